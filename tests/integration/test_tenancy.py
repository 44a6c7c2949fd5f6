"""The database enforces tenancy by itself: the catalog says so, and the behaviour shows it."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

FAIL_CLOSED = re.compile(
    r"^\(?(\w+) = \(\s*SELECT \(?NULLIF\(current_setting\('app\.org_id'::text, true\), ''::text\)\)?"
    r"::uuid AS \"?\w+\"?\s*\)\)?$"
)
COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

# Indexes on tenant tables that deliberately do not lead with org_id, and why.
NON_TENANT_LEADING_INDEXES = {
    "api_keys_key_hash": "the authorizer resolves a key by its hash before the org is known",
    "domain_events_unpublished": "the outbox sweep scans the unpublished backlog across tenants",
    "ai_runs_unpurged": "the AI run retention job finds runs past their retention across tenants",
    "billing_usage_unreported": "the hourly usage report finds unreported usage across tenants",
    **{
        f"{table}_purge": "the retention purge walks rows past their period across tenants, oldest first"
        for table in (
            *("idempotency_keys", "rate_limit_counters", "inbound_webhook_receipts", "domain_events"),
            *("webhook_delivery_attempts", "interactions", "notes", "time_entries", "tasks", "deals"),
            *("projects", "people", "companies", "billing_usage", "sms_messages"),
            *("notifications", "emails", "inbound_emails", "exports"),
        )
    },
}
# Unique keys on tenant tables that deliberately span tenants, and why.
CROSS_TENANT_UNIQUE_INDEXES = {
    "integrations_provider_account_key": "one provider account belongs to one org: an inbound"
    " webhook names the account, and its signing keys must resolve to exactly one org",
    "github_installations_installation_key": "one GitHub App installation belongs to one org: a"
    " delivery names the installation, which must resolve to exactly one org",
    "billing_accounts_stripe_customer_id_key": "one Stripe customer belongs to one org: Stripe's"
    " webhook names the customer, and it must resolve to exactly one org",
    "phone_numbers_e164_key": "one phone number belongs to one org: an inbound SMS or call names"
    " the number it reached, which must resolve to exactly one org",
    "email_inbound_addresses_slug_key": "one inbound email address belongs to one org: a received"
    " message names the address it reached, which must resolve to exactly one org",
    "email_domains_domain_key": "one sending domain belongs to one org: the deployment's SES account"
    " holds one identity per domain, and deleting it for one org must not stop another's mail",
}
# Policies for the owner role (read-only), behind the SECURITY DEFINER lookups it owns, which are
# the app role's only way to those rows of other orgs; and why.
OWNER_READ_POLICIES = {
    ("integrations", "signing_lookup"): "integration_signing_keys(provider, account)",
    ("integration_secrets", "signing_lookup"): "integration_signing_keys(provider, account)",
    ("github_installations", "installation_lookup"): "hearth_org_of_github_installation(installation id)",
    ("billing_accounts", "stripe_customer_lookup"): "hearth_org_of_stripe_customer(key)",
    ("phone_numbers", "number_lookup"): "hearth_org_of_phone_number(key)",
    ("email_inbound_addresses", "address_lookup"): "hearth_org_of_inbound_email_address(slug, tag)",
}
# Restrictive policies for the app role that keep a tenant table's rows to one user of the org
# (ANDed with the tenant policies), and why.
OWN_USER_POLICIES = {
    "notifications": "a user's notifications are theirs alone, other members' included",
    "notification_preferences": "a user's notification preferences are theirs alone",
}
OWN_USER = re.compile(
    r"^\(?user_id = \(\s*SELECT \(?NULLIF\(current_setting\('app\.user_id'::text, true\), ''::text\)\)?"
    r"::uuid AS \"?\w+\"?\s*\)\)?$"
)
# Restrictive policies for the app role (they only narrow what the tenant policies allow), and why.
APP_RESTRICTIVE_POLICIES = {
    ("projects", "app_delete_only_deleted"): "a project is hard-deleted (purged) only once soft-deleted",
    ("tasks", "app_delete_only_deleted"): "a task is hard-deleted (a project's purge) only once soft-deleted",
    ("notes", "app_delete_only_deleted"): "a note is hard-deleted (a project's purge) only once soft-deleted",
}


def tenant_tables(conn) -> dict[str, str]:
    """table -> its tenant key column (org_id, or id for orgs)."""
    rows = conn.execute(
        """
        SELECT c.relname AS table
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        """
    ).fetchall()
    tables = {r["table"]: "org_id" for r in rows}
    tables["orgs"] = "id"
    return tables


def test_every_tenant_table_has_forced_rls_with_fail_closed_policies_for_all_commands(admin_db):
    tables = tenant_tables(admin_db)
    assert {"orgs", "org_members", "api_keys", "audit_logs", "rate_limit_counters"} <= set(tables)
    for table, key in tables.items():
        flags = admin_db.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", (table,)
        ).fetchone()
        assert flags == {"relrowsecurity": True, "relforcerowsecurity": True}, table
        policies = admin_db.execute(
            """
            SELECT polname, polcmd, polpermissive, polroles::regrole[]::text[] AS roles,
                   pg_get_expr(polqual, polrelid) AS using_expr,
                   pg_get_expr(polwithcheck, polrelid) AS check_expr
            FROM pg_policy WHERE polrelid = %s::regclass
            """,
            (table,),
        ).fetchall()
        tenant = [p for p in policies if p["roles"] == ["-"]]  # policies for every role (PUBLIC)
        covered = set()
        for p in tenant:
            assert p["polpermissive"], (table, p["polname"])
            for expr in (p["using_expr"], p["check_expr"]):
                if expr is not None:
                    match = FAIL_CLOSED.match(" ".join(expr.split()))
                    assert match, (table, p["polname"], expr)
                    assert match.group(1) == key, (table, p["polname"], expr)
            if p["polcmd"] == "*":
                covered |= set(COMMANDS.values())
            else:
                covered.add(COMMANDS[p["polcmd"]])
                if p["polcmd"] in ("r", "d"):
                    assert p["using_expr"] is not None
                if p["polcmd"] == "a":
                    assert p["check_expr"] is not None
                if p["polcmd"] == "w":
                    assert p["using_expr"] is not None
                    assert p["check_expr"] is not None
        assert covered == set(COMMANDS.values()), (table, covered)
        # Any other policy names the system role explicitly (never the app role, never PUBLIC).
        for p in policies:
            if (table, p["polname"]) in OWNER_READ_POLICIES:
                assert (p["roles"], p["polcmd"]) == (["hearth_owner"], "r"), (table, p["polname"])
            elif table in OWN_USER_POLICIES and not p["polpermissive"]:
                assert p["roles"] == ["hearth_app"], (table, p["polname"], p["roles"])
                for expr in (p["using_expr"], p["check_expr"]):
                    assert expr is None or OWN_USER.match(" ".join(expr.split())), (table, p["polname"], expr)
            elif (table, p["polname"]) in APP_RESTRICTIVE_POLICIES:
                assert (p["roles"], p["polpermissive"]) == (["hearth_app"], False), (table, p["polname"])
            elif p not in tenant:
                assert p["roles"] == ["hearth_system"], (table, p["polname"], p["roles"])


def test_app_and_system_roles_cannot_bypass_rls_and_own_nothing(admin_db):
    roles = admin_db.execute(
        "SELECT rolname, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles"
        " WHERE rolname IN ('hearth_app', 'hearth_system', 'hearth_owner') ORDER BY rolname"
    ).fetchall()
    assert [r["rolname"] for r in roles] == ["hearth_app", "hearth_owner", "hearth_system"]
    for role in roles:
        assert not role["rolbypassrls"], role
        assert not role["rolsuper"], role
    for role in ("hearth_app", "hearth_system"):
        owned = admin_db.execute(
            """
            SELECT 'relation' AS kind, relname AS name FROM pg_class WHERE relowner = %(r)s::regrole
            UNION ALL SELECT 'function', proname FROM pg_proc WHERE proowner = %(r)s::regrole
            UNION ALL SELECT 'schema', nspname FROM pg_namespace WHERE nspowner = %(r)s::regrole
            UNION ALL SELECT 'type', typname FROM pg_type WHERE typowner = %(r)s::regrole
            """,
            {"r": role},
        ).fetchall()
        assert owned == [], (role, owned)
    tables = admin_db.execute(
        "SELECT relname, relowner::regrole::text AS owner FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    ).fetchall()
    assert {t["owner"] for t in tables} == {"hearth_owner"}


def test_every_unique_constraint_and_index_on_a_tenant_table_is_per_tenant(admin_db):
    tables = tenant_tables(admin_db)
    indexes = admin_db.execute(
        """
        SELECT t.relname AS table, i.relname AS index, ix.indisunique AS is_unique,
               (SELECT array_agg(a.attname ORDER BY k.ord)
                  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns,
               pg_get_indexdef(ix.indexrelid) AS definition
        FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public'
        """
    ).fetchall()
    for idx in indexes:
        key = tables.get(idx["table"])
        if key is None:
            continue
        columns = [c for c in (idx["columns"] or []) if c is not None]
        if idx["index"] in CROSS_TENANT_UNIQUE_INDEXES:
            continue
        if idx["is_unique"]:
            assert key in columns, f"unique index {idx['index']} on {idx['table']} lacks {key}"
        if idx["index"] in NON_TENANT_LEADING_INDEXES:
            assert not idx["is_unique"], idx["index"]
            continue
        assert columns, idx["index"]
        assert columns[0] == key, f"index {idx['index']} on {idx['table']} does not lead with {key}"


def test_references_between_tenant_tables_include_the_tenant(admin_db):
    tables = tenant_tables(admin_db)
    fks = admin_db.execute(
        """
        SELECT c.conname, src.relname AS source, dst.relname AS target,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a
                     ON a.attrelid = c.conrelid AND a.attnum = k) AS columns,
               ARRAY(SELECT a.attname FROM unnest(c.confkey) k JOIN pg_attribute a
                     ON a.attrelid = c.confrelid AND a.attnum = k) AS target_columns
        FROM pg_constraint c
        JOIN pg_class src ON src.oid = c.conrelid
        JOIN pg_class dst ON dst.oid = c.confrelid
        WHERE c.contype = 'f'
        """
    ).fetchall()
    for fk in fks:
        if fk["source"] in tables and fk["target"] in tables and fk["target"] != "orgs":
            assert "org_id" in fk["columns"], fk
            assert "org_id" in fk["target_columns"], fk


def test_primary_keys_are_uuids(admin_db):
    tables = tenant_tables(admin_db)
    rows = admin_db.execute(
        """
        SELECT t.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'p' AND a.attname = 'id'
        """
    ).fetchall()
    for row in rows:
        if row["table"] in tables:
            assert row["type"] == "uuid", row
    sequences = admin_db.execute("SELECT relname FROM pg_class WHERE relkind = 'S'").fetchall()
    assert sequences == [], "no shared sequences: keys are UUIDs"


def _seed_org(admin_db) -> str:
    org = str(uuid.uuid4())
    admin_db.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Seeded')", (org,))
    return org


@pytest.mark.parametrize("setting", [None, ""])
def test_fail_closed_without_a_tenant(database, admin_db, setting):
    _seed_org(admin_db)
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        if setting is not None:
            conn.execute("SELECT set_config('app.org_id', %s, false)", (setting,))
        assert conn.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 0}
        assert conn.execute("SELECT count(*) AS n FROM audit_logs").fetchone() == {"n": 0}
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO orgs (name) VALUES ('Sneaky')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO rate_limit_counters (org_id, subject, window_start, hits)"
                " VALUES (%s, 's', now(), 1)",
                (str(uuid.uuid4()),),
            )


def test_a_tenant_sees_only_its_own_rows(database, admin_db):
    mine, theirs = _seed_org(admin_db), _seed_org(admin_db)
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, true)", (mine,))
        ids = [r["id"] for r in conn.execute("SELECT id FROM orgs").fetchall()]
        assert [str(i) for i in ids] == [mine]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO rate_limit_counters (org_id, subject, window_start, hits)"
                " VALUES (%s, 's', now(), 1)",
                (theirs,),
            )
        conn.rollback()
        conn.execute("SELECT set_config('app.org_id', %s, true)", (mine,))
        updated = conn.execute("UPDATE orgs SET name = 'Taken' WHERE id = %s", (theirs,)).rowcount
        assert updated == 0
        conn.rollback()
    assert admin_db.execute("SELECT name FROM orgs WHERE id = %s", (theirs,)).fetchone() == {"name": "Seeded"}


def test_the_tenant_does_not_carry_over_to_the_next_transaction(database, admin_db):
    from hearth import db

    org = _seed_org(admin_db)
    with db.tenant_transaction(org) as conn:
        assert conn.execute("SELECT current_setting('app.org_id', true) AS o").fetchone() == {"o": org}
        assert conn.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 1}
    same = db.database("app").connection()
    assert same.execute("SELECT current_setting('app.org_id', true) AS o").fetchone()["o"] in ("", None)
    assert same.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 0}
    same.rollback()
    # A transaction that failed does not leak its tenant either.
    with pytest.raises(RuntimeError), db.tenant_transaction(org):
        raise RuntimeError("boom")
    with db.database("app").transaction() as conn:
        assert conn.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 0}


def test_nested_transactions_on_one_connection_are_refused():
    from hearth import db

    org = str(uuid.uuid4())
    with (
        db.tenant_transaction(org),
        pytest.raises(RuntimeError, match="already open"),
        db.tenant_transaction(org),
    ):
        pass


def test_a_backend_killed_between_invocations_does_not_fail_the_next(client, tenant, admin_db):
    first = client.get("/v1/orgs/current", auth=tenant.key_auth)
    assert first.status == 200
    killed = admin_db.execute(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
        " WHERE application_name IN ('hearth-app', 'hearth-system') AND datname = current_database()"
    ).fetchone()
    assert killed["n"] >= 1
    again = client.get("/v1/orgs/current", auth=tenant.key_auth)
    assert again.status == 200, again.body
    assert again.json()["id"] == tenant.org_id
