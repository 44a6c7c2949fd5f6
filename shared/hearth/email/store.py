"""Data access for email (``migrations/0110``, ``0111``): sending domains, the org's sender
settings, templates, emails, suppressions, and the records a send names. Every statement runs in
the caller's tenant transaction (row-level security keeps it to the org)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from hearth import sending
from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.problems import Conflict

_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"

# -- domains -------------------------------------------------------------------------------------

DOMAIN_COLUMNS = "id, domain, status, dkim_records, checked_at, created_by, created_at, updated_at, version"


def list_domains(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {DOMAIN_COLUMNS} FROM email_domains ORDER BY created_at, id").fetchall()


def get_domain(conn: Connection, domain_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {DOMAIN_COLUMNS} FROM email_domains WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (domain_id,),
    ).fetchone()


def domain_named(conn: Connection, domain: str) -> dict[str, Any] | None:
    """The org's domain ``domain`` (another org's is not visible)."""
    return conn.execute(f"SELECT {DOMAIN_COLUMNS} FROM email_domains WHERE domain = %s", (domain,)).fetchone()


def insert_domain(
    conn: Connection, *, domain: str, status: str, dkim_records: list[dict[str, str]], created_by: str
) -> dict[str, Any]:
    try:
        with conn.transaction():
            row = conn.execute(
                f"""
                INSERT INTO email_domains (org_id, domain, status, dkim_records, checked_at, created_by)
                VALUES ({_TENANT}, %s, %s, %s, now(), %s)
                RETURNING {DOMAIN_COLUMNS}
                """,
                (domain, status, Jsonb(dkim_records), created_by),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise Conflict("domain_taken", "This domain is already a sending domain of an org.") from None
    assert row is not None
    return row


def update_domain(
    conn: Connection, domain_id: UUID, *, status: str, dkim_records: list[dict[str, str]]
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        UPDATE email_domains SET status = %s, dkim_records = %s, checked_at = now()
        WHERE id = %s RETURNING {DOMAIN_COLUMNS}
        """,
        (status, Jsonb(dkim_records), domain_id),
    ).fetchone()
    assert row is not None
    return row


def delete_domain(conn: Connection, domain_id: UUID) -> None:
    conn.execute("DELETE FROM email_domains WHERE id = %s", (domain_id,))


# -- settings -------------------------------------------------------------------------------------


def get_settings(conn: Connection) -> dict[str, Any] | None:
    return conn.execute("SELECT from_address, from_name, reply_to, version FROM email_settings").fetchone()


def put_settings(conn: Connection, values: dict[str, Any], updated_by: str) -> dict[str, Any]:
    row = conn.execute(
        f"""
        INSERT INTO email_settings (org_id, from_address, from_name, reply_to, updated_by)
        VALUES ({_TENANT}, %(from_address)s, %(from_name)s, %(reply_to)s, %(by)s)
        ON CONFLICT (org_id) DO UPDATE SET from_address = EXCLUDED.from_address,
          from_name = EXCLUDED.from_name, reply_to = EXCLUDED.reply_to, updated_by = EXCLUDED.updated_by
        RETURNING from_address, from_name, reply_to, version
        """,
        {**values, "by": updated_by},
    ).fetchone()
    assert row is not None
    return row


# -- templates -----------------------------------------------------------------------------------

TEMPLATE_COLUMNS = "id, name, subject, text_body, html_body, created_by, created_at, updated_at, version"


def list_templates(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {TEMPLATE_COLUMNS} FROM email_templates ORDER BY created_at, id").fetchall()


def get_template(conn: Connection, template_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {TEMPLATE_COLUMNS} FROM email_templates WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (template_id,),
    ).fetchone()


def insert_template(conn: Connection, values: dict[str, Any], created_by: str) -> dict[str, Any]:
    try:
        with conn.transaction():
            row = conn.execute(
                f"""
                INSERT INTO email_templates (org_id, name, subject, text_body, html_body, created_by)
                VALUES ({_TENANT}, %(name)s, %(subject)s, %(text_body)s, %(html_body)s, %(by)s)
                RETURNING {TEMPLATE_COLUMNS}
                """,
                {**values, "by": created_by},
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise Conflict("template_name_taken", "The org has a template with this name.") from None
    assert row is not None
    return row


def update_template(conn: Connection, template_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    sets = ", ".join(f"{name} = %({name})s" for name in values)
    try:
        with conn.transaction():
            row = conn.execute(
                f"UPDATE email_templates SET {sets} WHERE id = %(id)s RETURNING {TEMPLATE_COLUMNS}",
                {**values, "id": template_id},
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise Conflict("template_name_taken", "The org has a template with this name.") from None
    except psycopg.errors.CheckViolation:
        from hearth.problems import invalid

        raise invalid("text_body", "A template keeps a text or an HTML body.", "body_required") from None
    assert row is not None
    return row


def delete_template(conn: Connection, template_id: UUID) -> None:
    conn.execute("DELETE FROM email_templates WHERE id = %s", (template_id,))


# -- emails --------------------------------------------------------------------------------------

EMAIL_COLUMNS = (
    "r.id, r.status, r.category, r.system, r.from_address, r.to_addresses, r.cc_addresses,"
    " r.bcc_addresses, r.reply_to, r.subject, r.text_body, r.html_body, r.template_id, r.person_id,"
    " r.company_id, r.deal_id, r.provider_message_id, r.error_code, r.error_message, r.attempts,"
    " r.sent_at, r.delivered_at, r.open_count, r.first_opened_at, r.click_count, r.first_clicked_at,"
    " r.sent_by, r.attachments, r.created_at, r.updated_at, r.version,"
    ' r.from_address AS "from", r.to_addresses AS "to", r.cc_addresses AS cc, r.bcc_addresses AS bcc,'
    " r.text_body AS text, r.html_body AS html,"
    " CASE WHEN r.error_code IS NULL THEN NULL"
    " ELSE jsonb_build_object('code', r.error_code, 'message', r.error_message) END AS error"
)

#: ``GET /v1/emails``: newest first.
EMAIL_LISTING = Listing(
    select=f"SELECT {EMAIL_COLUMNS} FROM emails r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field(
            "status",
            "choice",
            choices=("queued", "sending", "sent", "delivered", "bounced", "complained", "failed"),
            nullable=False,
        ),
        Field("category", "choice", choices=("transactional", "marketing"), nullable=False),
        Field("person_id", "uuid"),
        Field("company_id", "uuid"),
        Field("deal_id", "uuid"),
        Field("template_id", "uuid"),
        Field("created_at", "datetime", sortable=True, nullable=False),
    ),
    search=("r.subject",),
    default_sort="-created_at",
    soft_delete=False,
    search_label="subjects",
)


def insert_email(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """The queued email (None: a system email whose ``dedupe_key`` the org has already)."""
    columns = (
        "category",
        "system",
        "dedupe_key",
        "from_address",
        "to_addresses",
        "cc_addresses",
        "bcc_addresses",
        "reply_to",
        "subject",
        "text_body",
        "html_body",
        "template_id",
        "person_id",
        "company_id",
        "deal_id",
        "sent_by",
        "attachments",
    )
    return conn.execute(
        f"""
        WITH r AS (
          INSERT INTO emails (org_id, {", ".join(columns)})
          VALUES ({_TENANT}, {", ".join(f"%({c})s" for c in columns)})
          ON CONFLICT (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING *
        )
        SELECT {EMAIL_COLUMNS} FROM r
        """,
        {c: values.get(c) for c in columns}
        | {"system": bool(values.get("system")), "attachments": Jsonb(values.get("attachments") or [])},
    ).fetchone()


def get_email(conn: Connection, email_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {EMAIL_COLUMNS} FROM emails r WHERE r.id = %s", (email_id,)).fetchone()


def claim_many(conn: Connection, ids: list[UUID], lease_seconds: float) -> list[dict[str, Any]]:
    """Claim these queued rows for an attempt (``hearth.sending.claim_queued``)."""
    return sending.claim_queued(conn, "emails", EMAIL_COLUMNS, ids, lease_seconds)


def still_queued(conn: Connection, ids: list[UUID]) -> set[UUID]:
    """Which of these rows are still queued (held by another attempt)."""
    return sending.still_queued(conn, "emails", ids)


def release(conn: Connection, email_id: UUID) -> None:
    """End an attempt that did not reach SES (a temporary failure): the next one may start."""
    conn.execute("UPDATE emails SET claimed_at = NULL WHERE id = %s AND status = 'queued'", (email_id,))


def accepted_many(conn: Connection, accepted: list[tuple[UUID, str]]) -> None:
    """SES took these emails: their message ids, ``sending`` unless an event came first, and an
    ``email`` interaction on the timeline of each record the email names (once per email)."""
    ids, message_ids = [e for e, _ in accepted], [m for _, m in accepted]
    conn.execute(
        """
        UPDATE emails e
        SET provider_message_id = COALESCE(e.provider_message_id, a.mid),
            status = CASE WHEN e.status = 'queued' THEN 'sending' ELSE e.status END
        FROM unnest(%s::uuid[], %s::text[]) AS a (id, mid)
        WHERE e.id = a.id AND (e.provider_message_id IS NULL OR e.provider_message_id = a.mid)
        """,
        (ids, message_ids),
    )
    conn.execute(
        f"""
        INSERT INTO interactions (org_id, type, direction, occurred_at, subject, summary, person_id,
                                  company_id, deal_id, external_ref)
        SELECT {_TENANT}, 'email', 'outbound', now(), left(e.subject, 300),
               left(COALESCE(e.text_body, e.html_body), 5000), e.person_id, e.company_id, e.deal_id,
               'email:' || e.id
        FROM emails e
        WHERE e.id = ANY(%s) AND num_nonnulls(e.person_id, e.company_id, e.deal_id) >= 1
        ON CONFLICT (org_id, external_ref) WHERE deleted_at IS NULL AND external_ref IS NOT NULL DO NOTHING
        """,
        (ids,),
    )


def advance(
    conn: Connection,
    email_id: UUID,
    status: str,
    *,
    provider_message_id: str | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> dict[str, Any] | None:
    """Move an email forward to ``status`` (with the reason, for failed, bounced and complained);
    None when it is there or past it already (a late or repeated event), or when
    ``provider_message_id`` is not the email's."""
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE emails
          SET status = %(status)s, provider_message_id = COALESCE(provider_message_id, %(mid)s),
              error_code = CASE WHEN %(final)s THEN %(code)s END,
              error_message = CASE WHEN %(final)s THEN %(message)s END,
              sent_at = CASE WHEN %(status)s IN ('sent', 'delivered')
                        THEN COALESCE(sent_at, now()) ELSE sent_at END,
              delivered_at = CASE WHEN %(status)s = 'delivered' THEN now() ELSE delivered_at END
          WHERE id = %(id)s
            AND hearth_email_status_rank(status) < hearth_email_status_rank(%(status)s)
            AND (%(mid)s::text IS NULL OR provider_message_id IS NULL OR provider_message_id = %(mid)s)
          RETURNING *
        )
        SELECT {EMAIL_COLUMNS} FROM r
        """,
        {
            "id": email_id,
            "status": status,
            "final": status in ("failed", "bounced", "complained"),
            "mid": provider_message_id,
            "code": error_code,
            "message": error_message,
        },
    ).fetchone()


def engaged(conn: Connection, email_id: UUID, provider_message_id: str, kind: str) -> bool:
    """Count an open or a click (``kind``) of the email; False when it is not the email's."""
    column = {"open": "open", "click": "click"}[kind]
    changed = conn.execute(
        f"""
        UPDATE emails SET {column}_count = {column}_count + 1,
          first_{column}ed_at = COALESCE(first_{column}ed_at, now())
        WHERE id = %s AND provider_message_id = %s
        """,
        (email_id, provider_message_id),
    )
    return changed.rowcount > 0


# -- suppressions --------------------------------------------------------------------------------

SUPPRESSION_COLUMNS = "address, reason, marketing_only, email_id, detail, created_by, created_at"

#: ``GET /v1/email/suppressions``: newest first.
SUPPRESSION_LISTING = Listing(
    select=f"SELECT {SUPPRESSION_COLUMNS} FROM email_suppressions r",
    fields=(
        Field("address", "text", nullable=False),
        Field("reason", "choice", choices=("bounce", "complaint", "unsubscribe", "manual"), nullable=False),
        Field("marketing_only", "bool", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
    ),
    search=("r.address",),
    default_sort="-created_at",
    soft_delete=False,
    key="address",
    search_label="addresses",
)


def suppressed(conn: Connection, addresses: list[str], category: str) -> set[str]:
    """Which of ``addresses`` the org does not email in ``category`` (an unsubscribe holds back
    marketing email only)."""
    if not addresses:
        return set()
    rows = conn.execute(
        "SELECT address FROM email_suppressions WHERE address = ANY(%s) AND (NOT marketing_only OR %s)",
        ([a.lower() for a in addresses], category == "marketing"),
    ).fetchall()
    return {row["address"] for row in rows}


def suppressions_of(conn: Connection, addresses: list[str]) -> dict[str, bool]:
    """The suppressed ones of ``addresses``: address -> marketing only (one statement for a batch)."""
    if not addresses:
        return {}
    rows = conn.execute(
        "SELECT address, marketing_only FROM email_suppressions WHERE address = ANY(%s)",
        (sorted({a.lower() for a in addresses}),),
    ).fetchall()
    return {row["address"]: bool(row["marketing_only"]) for row in rows}


def suppress(
    conn: Connection,
    address: str,
    *,
    reason: str,
    marketing_only: bool,
    created_by: str,
    email_id: UUID | None = None,
    detail: str | None = None,
) -> bool:
    """Suppress ``address``; an existing row only widens (marketing only -> every email). True
    when the address's standing changed."""
    row = conn.execute(
        f"""
        INSERT INTO email_suppressions AS s
          (org_id, address, reason, marketing_only, email_id, detail, created_by)
        VALUES ({_TENANT}, %(a)s, %(reason)s, %(mo)s, %(email)s, %(detail)s, %(by)s)
        ON CONFLICT (org_id, address) DO UPDATE SET reason = EXCLUDED.reason, marketing_only = false,
          email_id = EXCLUDED.email_id, detail = EXCLUDED.detail, created_by = EXCLUDED.created_by,
          created_at = now()
        WHERE s.marketing_only AND NOT EXCLUDED.marketing_only
        RETURNING address
        """,
        {
            "a": address.lower(),
            "reason": reason,
            "mo": marketing_only,
            "email": email_id,
            "detail": (detail or None) and detail[:500],
            "by": created_by[:200],
        },
    ).fetchone()
    return row is not None


def get_suppression(conn: Connection, address: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SUPPRESSION_COLUMNS} FROM email_suppressions WHERE address = %s", (address.lower(),)
    ).fetchone()


def delete_suppression(conn: Connection, address: str) -> dict[str, Any] | None:
    return conn.execute(
        f"DELETE FROM email_suppressions WHERE address = %s RETURNING {SUPPRESSION_COLUMNS}",
        (address.lower(),),
    ).fetchone()


# -- the records a send names --------------------------------------------------------------------


def person(conn: Connection, person_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, first_name, last_name, email, job_title, company_id FROM people"
        " WHERE id = %s AND deleted_at IS NULL",
        (person_id,),
    ).fetchone()


def person_by_email(conn: Connection, address: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id FROM people WHERE deleted_at IS NULL AND email = %s ORDER BY created_at, id LIMIT 1",
        (address.lower(),),
    ).fetchone()


def company(conn: Connection, company_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, name, domain, industry FROM companies WHERE id = %s AND deleted_at IS NULL", (company_id,)
    ).fetchone()


def deal(conn: Connection, deal_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, name, amount, currency, status, expected_close_date FROM deals"
        " WHERE id = %s AND deleted_at IS NULL",
        (deal_id,),
    ).fetchone()


def member_email(conn: Connection, user_id: UUID) -> str | None:
    """The verified email of a member of the org (users.email holds verified addresses only), or
    of the account a pending invitation of the org names (not a member yet: an invitation's
    email is the one way to reach them)."""
    row = conn.execute(
        f"""
        SELECT COALESCE(
          (SELECT u.email FROM users u JOIN org_members m ON m.user_id = u.id
           WHERE u.id = %(user)s AND m.org_id = {_TENANT}),
          hearth_invitee_email(%(user)s)) AS email
        """,
        {"user": user_id},
    ).fetchone()
    return str(row["email"]).lower() if row and row["email"] else None


def org_name(conn: Connection) -> str | None:
    row = conn.execute(f"SELECT name FROM orgs WHERE id = {_TENANT}").fetchone()
    return str(row["name"]) if row else None
