"""The audit log: append-only for the app role, hash-chained per org, verified."""

from __future__ import annotations

import itertools
import threading
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from hearth import audit, db


def _record(org_id: str, n: int = 1, **kw) -> None:
    with db.tenant_transaction(org_id) as conn:
        for i in range(n):
            audit.record(
                conn,
                org_id=org_id,
                actor=("system", None),
                action=kw.get("action", "test.event"),
                resource_type="test",
                resource_id=i,
                changes=kw.get("changes"),
            )


def _verify(org_id: str) -> audit.ChainReport:
    with db.tenant_transaction(org_id) as conn:
        return audit.verify_chain(conn)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_logs SET action = 'x.y'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
        "UPDATE audit_chain_heads SET last_seq = 0 WHERE false",  # only the trigger's owner writes heads
    ],
)
def test_the_app_role_can_only_insert_and_read(database, tenant, statement):
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, true)", (tenant.org_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_rows_chain_and_verify(tenant, admin_db):
    _record(tenant.org_id, 5)
    report = _verify(tenant.org_id)
    assert report.valid
    total = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert report.rows_checked == total["n"]
    rows = admin_db.execute(
        "SELECT seq, prev_hash, hash FROM audit_logs WHERE org_id = %s ORDER BY seq", (tenant.org_id,)
    ).fetchall()
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert bytes(rows[0]["prev_hash"]) == b""
    for before, after in itertools.pairwise(rows):
        assert bytes(after["prev_hash"]) == bytes(before["hash"])


def test_clients_cannot_choose_seq_hash_time_or_actor(tenant, admin_db):
    with db.tenant_transaction(tenant.org_id) as conn:
        audit.bind(conn, ("user", "the-real-one"), audit.RequestMeta("req-9", "10.1.1.1", "agent"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO audit_logs (org_id, seq, actor_type, action, resource_type, prev_hash, hash)"
                " VALUES (%s, 999, 'system', 'forged.row', 'x', '\\x00', '\\x00')",
                (tenant.org_id,),
            )
    with db.tenant_transaction(tenant.org_id) as conn:
        audit.bind(conn, ("user", "the-real-one"), audit.RequestMeta("req-9", "10.1.1.1", "agent"))
        conn.execute(
            "INSERT INTO audit_logs (org_id, action, resource_type) VALUES (%s, 'honest.row', 'x')",
            (tenant.org_id,),
        )
    row = admin_db.execute(
        "SELECT actor_type, actor_id, ip, request_id FROM audit_logs"
        " WHERE org_id = %s AND action = 'honest.row'",
        (tenant.org_id,),
    ).fetchone()
    assert row == {"actor_type": "user", "actor_id": "the-real-one", "ip": "10.1.1.1", "request_id": "req-9"}
    assert _verify(tenant.org_id).valid


def test_concurrent_inserts_keep_one_unbroken_chain_per_org(tenant, other_tenant, admin_db):
    errors = []

    def writer(org_id: str) -> None:
        try:
            for _ in range(10):
                _record(org_id, 3)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(org,)) for org in [tenant.org_id, other_tenant.org_id] * 4
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for org in (tenant.org_id, other_tenant.org_id):
        report = _verify(org)
        assert report.valid, report
        seqs = [
            r["seq"]
            for r in admin_db.execute(
                "SELECT seq FROM audit_logs WHERE org_id = %s ORDER BY seq", (org,)
            ).fetchall()
        ]
        assert seqs == list(range(1, len(seqs) + 1))
        assert len(seqs) >= 120


def test_tampering_is_detected(tenant, admin_db):
    _record(tenant.org_id, 6, changes={"name": {"from": "a", "to": "b"}})
    assert _verify(tenant.org_id).valid
    target = admin_db.execute(
        "SELECT id, seq FROM audit_logs WHERE org_id = %s ORDER BY seq OFFSET 3 LIMIT 1", (tenant.org_id,)
    ).fetchone()
    # Edited content (a superuser bypasses the grants; the chain still tells).
    admin_db.execute('UPDATE audit_logs SET changes = \'{"name": "c"}\' WHERE id = %s', (target["id"],))
    report = _verify(tenant.org_id)
    assert not report.valid
    assert report.first_invalid_seq == target["seq"]
    assert report.reason == "row content does not match its hash"


def test_removed_rows_are_detected(client, admin_db):
    org = client.new_tenant("Removal").org_id
    _record(org, 5)
    middle = admin_db.execute(
        "SELECT seq FROM audit_logs WHERE org_id = %s ORDER BY seq OFFSET 2 LIMIT 1", (org,)
    ).fetchone()["seq"]
    admin_db.execute("DELETE FROM audit_logs WHERE org_id = %s AND seq = %s", (org, middle))
    report = _verify(org)
    assert not report.valid
    assert report.first_invalid_seq == middle + 1

    org2 = client.new_tenant("Truncated").org_id
    _record(org2, 3)
    admin_db.execute(
        "DELETE FROM audit_logs WHERE org_id = %s AND seq = (SELECT max(seq) FROM audit_logs"
        " WHERE org_id = %s)",
        (org2, org2),
    )
    report = _verify(org2)
    assert not report.valid
    assert report.reason == "rows are missing at the end of the chain"


def test_verify_route_reports_the_chain(client, tenant, admin_db):
    ok = client.get("/v1/audit-logs/verify", auth=tenant.key_auth)
    assert ok.status == 200
    assert ok.json()["valid"] is True
    row = admin_db.execute(
        "SELECT id FROM audit_logs WHERE org_id = %s ORDER BY seq LIMIT 1", (tenant.org_id,)
    ).fetchone()
    admin_db.execute("UPDATE audit_logs SET ip = '6.6.6.6' WHERE id = %s", (row["id"],))
    broken = client.get("/v1/audit-logs/verify", auth=tenant.key_auth).json()
    assert broken["valid"] is False
    assert broken["first_invalid_seq"] == 1


def test_secrets_never_reach_the_audit_log(client, tenant, admin_db):
    made = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "ci", "role": "member"})
    secret = made.json()["secret"]
    rows = admin_db.execute(
        "SELECT changes::text AS c FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchall()
    assert all(secret not in (r["c"] or "") for r in rows)
    assert audit.redact(
        {"name": "x", "secret": "s", "nested": {"access_token": "t", "ok": 1}, "db_password": "p"}
    ) == {
        "name": "x",
        "secret": audit.REDACTED,
        "nested": {"access_token": audit.REDACTED, "ok": 1},
        "db_password": audit.REDACTED,
    }


def test_audit_log_route_lists_filters_and_pages(client, tenant):
    for i in range(3):
        client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": f"k{i}"})
    page1 = client.get("/v1/audit-logs", auth=tenant.key_auth, query="limit=2&action=api_key.create")
    assert page1.status == 200
    body = page1.json()
    assert [r["action"] for r in body["data"]] == ["api_key.create", "api_key.create"]
    assert body["data"][0]["seq"] > body["data"][1]["seq"]  # newest first
    page2 = client.get(
        "/v1/audit-logs",
        auth=tenant.key_auth,
        query=f"limit=2&action=api_key.create&cursor={body['next_cursor']}",
    ).json()
    seqs = [r["seq"] for r in body["data"] + page2["data"]]
    assert len(seqs) == len(set(seqs)) == 4  # three here plus the tenant's own test key
    assert page2["next_cursor"] is None
    one = body["data"][0]
    assert one["ip"] == "127.0.0.1"
    assert one["user_agent"] == "hearth-tests"
    assert (one["actor_type"], one["actor_id"]) == ("user", tenant.owner.user_id)
    assert one["request_id"]
    by_resource = client.get(
        "/v1/audit-logs",
        auth=tenant.key_auth,
        query=f"resource_type=api_key&resource_id={one['resource_id']}",
    ).json()["data"]
    assert [r["id"] for r in by_resource] == [one["id"]]
    future = client.get("/v1/audit-logs", auth=tenant.key_auth, query="since=2999-01-01T00:00:00Z").json()
    assert future["data"] == []
    bad = client.get("/v1/audit-logs", auth=tenant.key_auth, query="cursor=%%%")
    assert bad.status == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_members_and_viewers_cannot_read_the_audit_log(client, tenant):
    for role in ("member", "viewer"):
        user = client.add_member(tenant, role)
        denied = client.get("/v1/audit-logs", auth=user.auth, org=tenant.org_id)
        assert denied.status == 403
        assert denied.json()["code"] == "permission_denied"
    assert uuid.UUID(tenant.org_id)
