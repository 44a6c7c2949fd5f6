"""What the database refuses the app and system roles, statement by statement: the day an
injection or leaked credentials hand a role to someone else, it may change only the columns some
route changes, never un-revoke a key, never choose who or when an audit row names, never touch
the chain heads; and the system role reads ids where it only needs ids."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from hearth import audit, db

CONTEXT = audit.context(("user", str(uuid.uuid4())), audit.RequestMeta("req-1", "10.0.0.1", "tests"))


@pytest.fixture
def as_app(database, tenant) -> Iterator[psycopg.Connection]:
    """An app-role connection in the tenant's org, with an audit context as the kit binds it."""
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, false)", (tenant.org_id,))
        conn.execute("SELECT set_config('app.audit_context', %s, false)", (CONTEXT,))
        conn.commit()  # the session settings outlive the rollbacks of refused statements
        yield conn


@pytest.fixture
def as_system(database) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database["system"], row_factory=dict_row) as conn:
        yield conn


def _denied(conn: psycopg.Connection, statement: str, params: tuple = ()) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        conn.execute(statement, params)
    conn.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE orgs SET plan = 'enterprise'",
        "UPDATE orgs SET created_at = now() - interval '1 year'",
        "UPDATE orgs SET version = 1",
        "UPDATE org_members SET user_id = user_id",
        "UPDATE org_members SET created_at = now()",
        "UPDATE api_keys SET name = 'renamed'",
        "UPDATE api_keys SET role = 'owner'",
        "UPDATE api_keys SET expires_at = NULL",
        "UPDATE api_keys SET key_hash = key_hash",
        "UPDATE api_keys SET last_used_at = now()",
        "UPDATE rate_limit_counters SET window_start = now()",
        "UPDATE idempotency_keys SET credential = 'someone-else'",
        "UPDATE project_members SET role = 'lead'",
        "UPDATE audit_chain_heads SET last_seq = 0",
        "UPDATE audit_chain_heads SET last_hash = ''::bytea",
        "DELETE FROM audit_chain_heads",
        "INSERT INTO audit_chain_heads (org_id, last_seq, last_hash) VALUES"
        " (NULLIF(current_setting('app.org_id'), '')::uuid, 0, '')",
        "UPDATE integrations SET created_by = 'user:someone-else'",
        "UPDATE integrations SET org_id = org_id",
        "UPDATE integration_secrets SET signs = NOT signs",
        "UPDATE integration_secrets SET field = 'other'",
        "UPDATE ai_runs SET user_id = user_id",
        "UPDATE ai_runs SET task = 'ask'",
        "UPDATE ai_runs SET instructions = 'changed'",
        "UPDATE ai_runs SET created_at = now()",
        "UPDATE ai_runs SET version = 1",
        "DELETE FROM ai_runs",
        "UPDATE ai_usage SET tokens = 0",
        "DELETE FROM ai_usage",
        "DELETE FROM ai_usage_months",
        "UPDATE ai_usage_months SET month = month",
        "UPDATE ai_settings SET updated_at = now()",
        "DELETE FROM ai_settings",
        "UPDATE phone_numbers SET e164 = e164",
        "UPDATE phone_numbers SET provider_sid = provider_sid",
        "UPDATE phone_numbers SET purchased = NOT purchased",
        "UPDATE phone_numbers SET org_id = org_id",
        "UPDATE sms_messages SET body = 'changed'",
        "UPDATE sms_messages SET to_number = to_number",
        "UPDATE sms_messages SET direction = direction",
        "UPDATE sms_messages SET sent_by = 'user:someone-else'",
        "DELETE FROM sms_messages",
        "DELETE FROM sms_opt_outs",
        "UPDATE calls SET from_number = from_number",
        "UPDATE calls SET created_by = 'user:someone-else'",
        "DELETE FROM calls",
        "DELETE FROM telephony_settings",
        "UPDATE audit_logs SET action = 'x.y'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ],
)
def test_the_app_role_changes_only_what_routes_change(as_app, statement):
    _denied(as_app, statement)


def test_the_app_role_cannot_create_an_org_on_a_plan(as_app):
    org = str(uuid.uuid4())
    as_app.execute("SELECT set_config('app.org_id', %s, false)", (org,))
    as_app.commit()
    _denied(as_app, "INSERT INTO orgs (id, name, plan) VALUES (%s, 'Rich', 'enterprise')", (org,))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("occurred_at", "2001-01-01T00:00:00Z"),
        ("actor_type", "system"),
        ("actor_id", "someone-else"),
        ("ip", "6.6.6.6"),
        ("user_agent", "forged"),
        ("request_id", "forged"),
        ("seq", "999"),
        ("id", str(uuid.uuid4())),
    ],
)
def test_audit_rows_cannot_name_who_when_or_where(as_app, tenant, column, value):
    _denied(
        as_app,
        f"INSERT INTO audit_logs (org_id, action, resource_type, {column})"
        " VALUES (%s, 'forged.row', 'x', %s)",
        (tenant.org_id, value),
    )


def test_audit_rows_take_who_and_where_from_the_context_and_when_from_the_clock(as_app, tenant, admin_db):
    before = admin_db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
    as_app.execute(
        "INSERT INTO audit_logs (org_id, action, resource_type, resource_id)"
        " VALUES (%s, 'probe.row', 'x', '1')",
        (tenant.org_id,),
    )
    as_app.commit()
    row = admin_db.execute(
        "SELECT actor_type, actor_id, ip, user_agent, request_id, occurred_at FROM audit_logs"
        " WHERE org_id = %s AND action = 'probe.row'",
        (tenant.org_id,),
    ).fetchone()
    expected = json.loads(CONTEXT)
    assert (row["actor_type"], row["actor_id"], row["ip"], row["user_agent"], row["request_id"]) == (
        expected["actor_type"],
        expected["actor_id"],
        "10.0.0.1",
        "tests",
        "req-1",
    )
    assert row["occurred_at"] >= before


def test_an_audit_row_without_a_context_is_refused(database, tenant):
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, false)", (tenant.org_id,))
        _denied(
            conn,
            "INSERT INTO audit_logs (org_id, action, resource_type) VALUES (%s, 'anonymous.row', 'x')",
            (tenant.org_id,),
        )


def test_a_revoked_key_stays_revoked(client, tenant, as_app, admin_db):
    made = client.post(
        "/v1/api-keys",
        auth=tenant.owner.auth,
        org=tenant.org_id,
        json_body={"name": "short", "role": "viewer"},
    )
    assert made.status == 201, made.json()
    key_id = made.json()["id"]
    assert client.delete(f"/v1/api-keys/{key_id}", auth=tenant.owner.auth, org=tenant.org_id).status in (
        200,
        204,
    )
    _denied(as_app, "UPDATE api_keys SET revoked_at = NULL WHERE id = %s", (key_id,))
    _denied(as_app, "UPDATE api_keys SET revoked_at = now() + interval '1 year' WHERE id = %s", (key_id,))
    row = admin_db.execute("SELECT revoked_at FROM api_keys WHERE id = %s", (key_id,)).fetchone()
    assert row["revoked_at"] is not None
    # Revoking a live key is what the route does, and still works.
    live = client.post(
        "/v1/api-keys",
        auth=tenant.owner.auth,
        org=tenant.org_id,
        json_body={"name": "live", "role": "viewer"},
    ).json()
    revoked = as_app.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s", (live["id"],))
    assert revoked.rowcount == 1
    as_app.commit()


def test_the_chain_head_moves_only_through_the_trigger(as_app, tenant, admin_db):
    as_app.execute(
        "INSERT INTO audit_logs (org_id, action, resource_type) VALUES (%s, 'probe.row', 'x')",
        (tenant.org_id,),
    )
    as_app.commit()
    head = as_app.execute("SELECT last_seq FROM audit_chain_heads").fetchone()
    top = admin_db.execute(
        "SELECT max(seq) AS s FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert head["last_seq"] == top["s"]
    with db.tenant_transaction(tenant.org_id) as conn:
        assert audit.verify_chain(conn).valid


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT payload FROM domain_events LIMIT 1",
        "SELECT resource_id FROM domain_events LIMIT 1",
        "SELECT body FROM idempotency_keys LIMIT 1",
        "SELECT body_sealed FROM idempotency_keys LIMIT 1",
        "SELECT headers FROM idempotency_keys LIMIT 1",
        "SELECT * FROM domain_events LIMIT 1",
        "UPDATE api_keys SET revoked_at = NULL",
        "UPDATE orgs SET plan = 'enterprise'",
        "UPDATE audit_chain_heads SET last_seq = 0",
        "INSERT INTO audit_logs (org_id, action, resource_type) VALUES (gen_random_uuid(), 'x.y', 'x')",
        # The AI run retention job erases; it reads no run's content and changes nothing else.
        "SELECT instructions FROM ai_runs LIMIT 1",
        "SELECT output FROM ai_runs LIMIT 1",
        "SELECT * FROM ai_runs LIMIT 1",
        "UPDATE ai_runs SET status = 'failed'",
        "UPDATE ai_runs SET usage = NULL",
        # The org finaliser deletes the rows of orgs past their grace period (its policies say
        # which): by primary key, never reading what it removes.
        "DELETE FROM ai_runs RETURNING output",
        "SELECT * FROM ai_usage LIMIT 1",
    ],
)
def test_the_system_role_reads_ids_not_payloads(as_system, statement):
    _denied(as_system, statement)


def test_the_signing_key_lookup_is_the_app_roles_alone(as_system):
    _denied(as_system, "SELECT * FROM integration_signing_keys('twilio', 'AC')")
    _denied(as_system, "SELECT sealed FROM integration_secrets")


def test_the_system_role_still_reads_what_its_jobs_need(as_system):
    as_system.execute(
        "SELECT org_id, id FROM domain_events WHERE published_at IS NULL AND occurred_at < now()"
        " ORDER BY occurred_at LIMIT 1 FOR UPDATE SKIP LOCKED"
    )
    as_system.execute("SELECT org_id, credential, key FROM idempotency_keys WHERE expires_at < now()")
    as_system.execute("SELECT org_id, last_seq, last_hash FROM audit_chain_heads")


#: Every column the app role may UPDATE, per table: exactly what some route changes (the stores).
ROUTE_UPDATES = {
    "orgs": {"name", "timezone", "task_key_prefix", "deleted_at", "deleted_by"},
    "org_members": {"role"},
    "api_keys": {"revoked_at"},
    "rate_limit_counters": {"hits"},
    "idempotency_keys": {
        "request_hash",
        "status",
        "headers",
        "body",
        "body_sealed",
        "created_at",
        "expires_at",
    },
    "audit_logs": set(),
    "audit_chain_heads": set(),
    "project_members": set(),
    "domain_events": {"published_at"},
    "audit_anchors": set(),
    # GitHub: the installation's details, the repository list, links' state and what GitHub holds.
    "task_key_counters": {"last_number"},
    "github_installations": {"account_login", "account_type", "repository_selection", "suspended_at"},
    "github_repositories": {"full_name", "private", "default_branch", "updated_at"},
    "task_github_links": {
        *("title", "url", "author", "branch", "state", "fixes", "synced_title", "synced_state", "updated_at"),
    },
    # Records: the fields of their PATCH models, the columns their logic derives (a deal's
    # closed_at, a task's completed_at) and soft delete; histories and links are append-only.
    "companies": {
        *("name", "domain", "industry", "employee_count", "annual_revenue", "annual_revenue_currency"),
        *("address", "owner_id", "tags", "properties", "deleted_at", "deleted_by"),
    },
    "people": {
        *("first_name", "last_name", "email", "other_emails", "phones", "job_title", "company_id"),
        *("owner_id", "sms_opt_out", "tags", "properties", "deleted_at", "deleted_by"),
    },
    "deals": {
        *("name", "amount", "currency", "pipeline_id", "stage_id", "expected_close_date", "company_id"),
        *("primary_contact_id", "owner_id", "status", "lost_reason", "closed_at", "tags", "properties"),
        *("deleted_at", "deleted_by"),
    },
    "pipelines": {"name", "is_default", "deleted_at", "deleted_by"},
    "pipeline_stages": {"name", "position", "probability", "deleted_at", "deleted_by"},
    "interactions": {
        *("type", "direction", "occurred_at", "subject", "summary", "person_id", "company_id"),
        *("deal_id", "external_ref", "deleted_at", "deleted_by"),
    },
    "projects": {
        *("name", "description", "status", "company_id", "deal_id", "owner_id", "start_date"),
        *("due_date", "budget_minutes", "tags", "deleted_at", "deleted_by"),
    },
    "tasks": {
        *("title", "body", "due_date", "status", "priority", "assignee_id", "completed_at"),
        *("deleted_at", "deleted_by"),
    },
    "notes": {"body", "deleted_at", "deleted_by"},
    "time_entries": {
        *("member_id", "project_id", "task_id", "minutes", "entry_date", "billable", "note"),
        *("deleted_at", "deleted_by"),
    },
    "record_changes": set(),
    "deal_stage_changes": set(),
    "task_links": set(),
    "note_links": set(),
    "task_dependencies": set(),
    # Webhooks: what the endpoint routes change, and the senders' delivery state and health marks.
    "webhook_endpoints": {
        *("url", "description", "event_types", "enabled", "disabled_reason", "disabled_at"),
        *("secret_ciphertext", "previous_secret_ciphertext", "previous_secret_expires_at"),
        *("secret_rotated_at", "degraded_at", "failing_since", "deleted_at"),
    },
    "webhook_deliveries": {
        *("status", "pending_trigger", "lane", "attempts", "next_attempt_at", "enqueued_at"),
        *("lease_until", "last_attempt_at", "last_status_code", "last_error", "updated_at"),
    },
    "webhook_delivery_attempts": set(),
    # Integrations: what PUT replaces and what a provider test records; secrets are re-sealed.
    "integrations": {
        *("account", "config", "status", "test_error_code", "test_error_message", "tested_at"),
    },
    "integration_secrets": {"sealed", "last4", "previous_sealed", "previous_valid_until", "updated_at"},
}


@pytest.mark.parametrize("table", sorted(ROUTE_UPDATES))
def test_the_app_role_may_update_exactly_the_columns_routes_change(admin_db, table):
    rows = admin_db.execute(
        "SELECT column_name FROM information_schema.column_privileges"
        " WHERE grantee = 'hearth_app' AND privilege_type = 'UPDATE' AND table_name = %s",
        (table,),
    ).fetchall()
    assert {r["column_name"] for r in rows} == ROUTE_UPDATES[table]
