"""The demo tenant of the local stack, with the fixed ids of :mod:`hearth_dev.demo` (so the sample
events in ``events/`` work against a seeded database).

Everything is idempotent: the org, its owner, members and the demo API key are created on the
first run and left alone afterwards, except that the demo API key is made to match the current
pepper (and un-revoked), so the key printed in the banner always works. Rows are written through
the same roles the functions use: users as the system role, tenant rows in a tenant transaction
as the app role, with an audit row for each change::

    report = seed_demo(admin_url, members=200, progress=print)

The demo tenant has a well-known API key with the owner role, so seeding refuses to run unless
the stage is local or test (``HEARTH_STAGE``; unset means local, as for every ``hearth``
command) and the database is on this machine (a loopback address or a local socket)::

    refuse_unless_local(admin_url)   # raises SeedRefused otherwise
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from uuid import UUID, uuid5

import psycopg
from psycopg.conninfo import conninfo_to_dict

from hearth import audit, db
from hearth.rbac import Role
from hearth_dev import demo

Progress = Callable[[str, int, int], None]
ACTOR = ("system", "hearth seed")
NAMESPACE = UUID("7c1e9a52-4f0b-4d3e-9a8c-5b6d7e8f9a0b")
BATCH = 500

#: The named demo members (besides the owner): (subject suffix, name, role).
DEMO_MEMBERS = (
    ("admin", "Ada Admin", Role.ADMIN),
    ("member", "Max Member", Role.MEMBER),
    ("viewer", "Vera Viewer", Role.VIEWER),
)


LOCAL_STAGES = ("local", "test")
LOCAL_HOSTS = ("localhost",)


class SeedRefused(RuntimeError):
    """Seeding would put the demo tenant (and its well-known API key) somewhere it must not be."""


def _local_host(host: str) -> bool:
    if not host or host.startswith("/") or host.lower() in LOCAL_HOSTS:
        return True  # a Unix socket, or this machine by name
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_unless_local(admin_url: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`SeedRefused` unless the stage is local/test and ``admin_url`` is a database
    on this machine (every host it names, when it names several)."""
    env = os.environ if environ is None else environ
    stage = env.get("HEARTH_STAGE") or "local"
    if stage not in LOCAL_STAGES:
        raise SeedRefused(f"refusing to seed the demo tenant on the {stage!r} stage (local and test only)")
    try:
        params = conninfo_to_dict(admin_url)
    except psycopg.ProgrammingError as exc:
        raise SeedRefused(f"refusing to seed: cannot read the database URL ({exc})") from None
    hosts = str(params.get("host") or params.get("hostaddr") or "").split(",")
    remote = [h for h in hosts if not _local_host(h.strip())]
    if remote:
        raise SeedRefused(
            f"refusing to seed the demo tenant into a database on {', '.join(remote)}: only a database"
            " on this machine (loopback or a local socket) is seeded"
        )


@dataclass
class SeedReport:
    created_org: bool = False
    api_key_repaired: bool = False
    twilio_integration: bool = False  # created on this run
    members_added: int = 0
    notes: list[str] = field(default_factory=list)


def _user_id(subject: str) -> UUID:
    return demo.DEMO_USER_ID if subject == demo.DEMO_USER_SUBJECT else uuid5(NAMESPACE, subject)


def _ensure_users(users: list[tuple[str, str, str]]) -> None:
    """(subject, email, name) rows, with ids derived from the subject; existing ones are kept.
    Demo addresses count as verified (as if the identity provider had verified them)."""
    with db.system_transaction() as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO users (id, idp_subject, email, email_verified_at, name)"
            " VALUES (%s, %s, %s, now(), %s) ON CONFLICT DO NOTHING",
            [(_user_id(sub), sub, email, name) for sub, email, name in users],
        )


def _add_members(conn: db.Connection, members: list[tuple[UUID, Role]]) -> int:
    """Add memberships that do not exist yet, each with its audit row; returns how many."""
    added = 0
    for user_id, role in members:
        row = conn.execute(
            "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING user_id",
            (demo.DEMO_ORG_ID, user_id, role.value),
        ).fetchone()
        if row is not None:
            added += 1
            audit.record(
                conn,
                org_id=demo.DEMO_ORG_ID,
                actor=ACTOR,
                action="member.add",
                resource_type="member",
                resource_id=user_id,
                changes={"role": role.value},
            )
    return added


def _ensure_org(report: SeedReport) -> None:
    from hearth.orgs import logic as orgs_logic
    from hearth.orgs import store as orgs_store

    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        if orgs_store.current(conn) is not None:
            return
        orgs_store.insert(conn, demo.DEMO_ORG_ID, "Demo Co", "UTC")
        conn.execute(
            "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, %s)",
            (demo.DEMO_ORG_ID, demo.DEMO_USER_ID, Role.OWNER.value),
        )
        for hook in orgs_logic.on_create:  # other areas give a new org its defaults
            hook(conn, demo.DEMO_ORG_ID, demo.DEMO_USER_ID)
        audit.record(
            conn,
            org_id=demo.DEMO_ORG_ID,
            actor=("user", str(demo.DEMO_USER_ID)),
            action="org.create",
            resource_type="org",
            resource_id=demo.DEMO_ORG_ID,
            changes={"name": "Demo Co", "timezone": "UTC"},
        )
        report.created_org = True


def _ensure_api_key(admin_url: str, report: SeedReport) -> None:
    from hearth.auth.api_keys import digest

    key_hash = digest(demo.DEMO_API_KEY)
    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        inserted = conn.execute(
            "INSERT INTO api_keys (org_id, id, name, prefix, key_hash, role, created_by)"
            " VALUES (%s, %s, 'Demo key (local only)', %s, %s, 'owner', %s)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (demo.DEMO_ORG_ID, demo.DEMO_API_KEY_ID, demo.DEMO_API_KEY[:10], key_hash, demo.DEMO_USER_ID),
        ).fetchone()
        if inserted is not None:
            audit.record(
                conn,
                org_id=demo.DEMO_ORG_ID,
                actor=("user", str(demo.DEMO_USER_ID)),
                action="api_key.create",
                resource_type="api_key",
                resource_id=demo.DEMO_API_KEY_ID,
                changes={"name": "Demo key (local only)", "role": "owner"},
            )
            return
        row = conn.execute(
            "SELECT key_hash, revoked_at, expires_at FROM api_keys WHERE id = %s", (demo.DEMO_API_KEY_ID,)
        ).fetchone()
    if (
        row is not None
        and hmac.compare_digest(bytes(row["key_hash"]), key_hash)
        and not (row["revoked_at"] or row["expires_at"])
    ):
        return
    # Another pepper (a new state folder over an old database) or a revoked key: the app role may
    # not rewrite a key's hash, so the owner role does it, scoped to the demo org like any write.
    with psycopg.connect(admin_url) as conn:
        conn.execute("SET LOCAL ROLE hearth_owner")
        conn.execute("SELECT set_config('app.org_id', %s, true)", (str(demo.DEMO_ORG_ID),))
        conn.execute(
            "UPDATE api_keys SET key_hash = %s, revoked_at = NULL, expires_at = NULL WHERE id = %s",
            (key_hash, demo.DEMO_API_KEY_ID),
        )
    report.api_key_repaired = True


def _ensure_twilio_integration(report: SeedReport) -> None:
    """The demo org's Twilio integration: the local account the Twilio stand-in of ``hearth
    local`` accepts (its auth token also signs ``hearth simulate twilio`` requests). Its token is
    sealed again on every run (the local stack's KMS key is new each time); an integration the
    developer pointed at another account is left alone."""
    from hearth import clock
    from hearth.integrations import store as integrations
    from hearth.integrations.secrets import binding, hint
    from hearth_dev.standins.providers import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN

    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        row = integrations.get(conn, "twilio", lock=True)
        if row is not None and row["account"] != TWILIO_ACCOUNT_SID:
            return
        if row is None:
            integrations.insert(
                conn,
                "twilio",
                account=TWILIO_ACCOUNT_SID,
                config={"account_sid": TWILIO_ACCOUNT_SID},
                created_by=f"{ACTOR[0]}:{ACTOR[1]}",
            )
            audit.record(
                conn,
                org_id=demo.DEMO_ORG_ID,
                actor=ACTOR,
                action="integration.put",
                resource_type="integration",
                resource_id="twilio",
                changes={"created": True, "fields": ["config.account_sid", "secrets.auth_token"]},
            )
            report.twilio_integration = True
        integrations.put_secret(
            conn,
            "twilio",
            "auth_token",
            sealed=binding(demo.DEMO_ORG_ID, "twilio", "auth_token").seal(TWILIO_AUTH_TOKEN),
            last4=hint(TWILIO_AUTH_TOKEN),
            signs=True,
            now=clock.now(),
            previous_valid_until=None,
        )


def _ensure_github_installation() -> None:
    """The demo org's GitHub App installation: the GitHub stand-in's installation and its
    repository ``demo-co/web``, so ``hearth simulate github push --message "Fixes TASK-1"`` works
    at once (an org the developer linked it to otherwise keeps it)."""
    from hearth.github import store as github
    from hearth_dev.standins.github import repository_object
    from hearth_dev.standins.providers import GITHUB_INSTALLATION_ID

    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        if github.installation(conn) is not None:
            return
        row = github.link_installation(
            conn,
            demo.DEMO_ORG_ID,
            {
                "installation_id": GITHUB_INSTALLATION_ID,
                "account_login": "demo-co",
                "account_type": "Organization",
                "repository_selection": "selected",
                "linked_by": f"{ACTOR[0]}:{ACTOR[1]}",
            },
        )
        if row is not None:
            github.save_repositories(conn, demo.DEMO_ORG_ID, [repository_object("demo-co/web")], replace=True)


#: The demo org's sending domain and default sender.
DEMO_EMAIL_DOMAIN = "demo.hearth.local"
DEMO_EMAIL_FROM = f"hello@{DEMO_EMAIL_DOMAIN}"


def _ensure_email_domain() -> None:
    """The demo org's sending domain, verified, and its default sender, so ``POST /v1/emails``
    works at once; the domain's identity (and the system from-address's) in the local SES, which
    verifies what it creates (``hearth_dev.local.moto_process``). Without a local SES (``hearth
    seed`` on its own) only the rows are written."""
    import logging

    from hearth.email import provider
    from hearth.email import store as email

    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        if email.domain_named(conn, DEMO_EMAIL_DOMAIN) is None:
            row = email.insert_domain(
                conn,
                domain=DEMO_EMAIL_DOMAIN,
                status="verified",
                dkim_records=[],
                created_by=f"{ACTOR[0]}:{ACTOR[1]}",
            )
            audit.record(
                conn,
                org_id=demo.DEMO_ORG_ID,
                actor=ACTOR,
                action="email_domain.create",
                resource_type="email_domain",
                resource_id=str(row["id"]),
                changes={"domain": DEMO_EMAIL_DOMAIN},
            )
        if email.get_settings(conn) is None:
            email.put_settings(
                conn,
                {"from_address": DEMO_EMAIL_FROM, "from_name": "Demo Co", "reply_to": None},
                f"{ACTOR[0]}:{ACTOR[1]}",
            )
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return
    system_from = os.environ.get("HEARTH_EMAIL_SYSTEM_FROM")
    try:
        for identity in (DEMO_EMAIL_DOMAIN, *([system_from] if system_from else [])):
            provider.create_identity(identity)
    except provider.ProviderError as exc:
        logging.getLogger(__name__).warning("the local SES did not take the demo identities: %s", exc)


def seed_demo(admin_url: str, *, members: int = 0, progress: Progress | None = None) -> SeedReport:
    """Ensure the demo tenant: org, owner, the demo API key, three named members, and
    ``members`` more generated ones (``demo|member-0001`` …), in batches with progress. Refuses
    (:class:`SeedRefused`) anywhere but a local database on the local or test stage."""
    refuse_unless_local(admin_url)
    report = SeedReport()
    named = [
        (f"demo|{suffix}", f"{suffix}@demo.hearth.local", name, role) for suffix, name, role in DEMO_MEMBERS
    ]
    _ensure_users(
        [(demo.DEMO_USER_SUBJECT, demo.DEMO_USER_EMAIL, "Demo Owner")] + [(s, e, n) for s, e, n, _ in named]
    )
    _ensure_org(report)
    _ensure_api_key(admin_url, report)
    _ensure_twilio_integration(report)
    _ensure_github_installation()
    _ensure_email_domain()
    with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
        report.members_added += _add_members(conn, [(_user_id(s), role) for s, _, _, role in named])
    done = 0
    while done < members:
        chunk = range(done + 1, min(members, done + BATCH) + 1)
        generated = [
            (f"demo|member-{i:04d}", f"member-{i:04d}@demo.hearth.local", f"Member {i}") for i in chunk
        ]
        _ensure_users(generated)
        with db.tenant_transaction(demo.DEMO_ORG_ID, user_id=demo.DEMO_USER_ID) as conn:
            report.members_added += _add_members(conn, [(_user_id(s), Role.MEMBER) for s, _, _ in generated])
        done = chunk[-1]
        if progress:
            progress("members", done, members)
    return report


def summary(report: SeedReport) -> str:
    parts = ["demo org created" if report.created_org else "demo org present"]
    if report.members_added:
        parts.append(f"{report.members_added} member(s) added")
    if report.api_key_repaired:
        parts.append("demo API key re-keyed to the local pepper")
    if report.twilio_integration:
        parts.append("Twilio integration connected to the local stand-in")
    return ", ".join(parts)


def ensure_member(
    org_id: UUID, subject: str, role: Role, *, email: str | None = None, name: str | None = None
) -> UUID:
    """Make ``subject`` a user (provisioned as the authorizer would) and a member of ``org_id``
    with ``role``, recording the change in the org's audit log; returns the user's id."""
    from hearth.orgs import store as orgs_store

    with db.system_transaction() as conn:
        conn.execute(
            "INSERT INTO users (idp_subject, email, email_verified_at, name)"
            " VALUES (%s, %s, CASE WHEN %s::text IS NULL THEN NULL ELSE now() END, %s)"
            " ON CONFLICT DO NOTHING",
            (subject, email, email, name),
        )
        row = conn.execute("SELECT id FROM users WHERE idp_subject = %s", (subject,)).fetchone()
    if row is None:
        raise LookupError(f"user {subject} could not be provisioned (is the email {email} taken?)")
    user_id: UUID = row["id"]
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        if orgs_store.current(conn) is None:
            raise LookupError(f"org {org_id} does not exist")
        before = conn.execute("SELECT role FROM org_members WHERE user_id = %s", (user_id,)).fetchone()
        if before is not None and before["role"] == role.value:
            return user_id
        if before is not None and before["role"] == Role.OWNER.value:
            owners = conn.execute("SELECT count(*) AS n FROM org_members WHERE role = 'owner'").fetchone()
            if owners is None or owners["n"] < 2:
                raise LookupError(f"{subject} is the org's only owner: an org always keeps one")
        if before is None:
            conn.execute(
                "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, %s)",
                (org_id, user_id, role.value),
            )
        else:
            conn.execute("UPDATE org_members SET role = %s WHERE user_id = %s", (role.value, user_id))
        audit.record(
            conn,
            org_id=org_id,
            actor=("system", "hearth token"),
            action="member.add" if before is None else "member.update",
            resource_type="member",
            resource_id=user_id,
            changes={"role": role.value} if before is None else audit.diff(before, {"role": role.value}),
        )
    return user_id
