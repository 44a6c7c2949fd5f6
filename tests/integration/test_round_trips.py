"""What a request costs in round trips to PostgreSQL, counted from libpq's protocol trace of the
route's connection: the prelude (rate-limit count, and for a write the credential's standing),
the tenant setting, the route's statements and the COMMIT travel together."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from hearth_dev.roundtrips import count_round_trips

from hearth import db
from hearth.db import transactions


def _warm(client, tenant, path):
    assert client.get(path, auth=tenant.key_auth).status == 200  # connection open, modules loaded


def test_a_read_is_one_round_trip(client, tenant):
    _warm(client, tenant, "/v1/orgs/current")
    with count_round_trips(db.database("app").connection()) as counted:
        response = client.get("/v1/orgs/current", auth=tenant.key_auth)
    assert response.status == 200
    assert response.json()["id"] == tenant.org_id
    assert counted.trips == 1, counted.messages
    # The count, the tenant setting, the read and its COMMIT went in that one trip.
    assert counted.messages.count(("F", "Sync")) == 1
    assert response.header("ratelimit-limit")


def test_a_simple_write_is_two_round_trips(client, tenant, admin_db):
    """Revoking a key: its read and the prelude (count, the caller's standing) in one trip; the
    UPDATE, the audit row and the COMMIT in the other."""
    made = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "spare"})
    assert made.status == 201, made.body
    _warm(client, tenant, "/v1/orgs/current")
    with count_round_trips(db.database("app").connection()) as counted:
        response = client.delete(f"/v1/api-keys/{made.json()['id']}", **tenant.as_owner)
    assert response.status == 204, response.body
    assert counted.trips == 2, counted.messages
    row = admin_db.execute("SELECT revoked_at FROM api_keys WHERE id = %s", (made.json()["id"],)).fetchone()
    assert row["revoked_at"] is not None


def test_a_record_write_sends_its_audit_row_event_and_commit_together(client, tenant, admin_db):
    """Soft-deleting a company: the prelude with the locking read; the UPDATE with the re-read
    of the record; then the audit row, the outbox event (its id made by the writer, so nothing
    waits for it) and the COMMIT in one trip."""
    made = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Doomed"})
    assert made.status == 201, made.body
    _warm(client, tenant, "/v1/orgs/current")
    with count_round_trips(db.database("app").connection()) as counted:
        response = client.delete(f"/v1/companies/{made.json()['id']}", auth=tenant.key_auth)
    assert response.status == 204, response.body
    assert counted.trips == 3, counted.messages
    event = admin_db.execute(
        "SELECT type FROM domain_events WHERE resource_id = %s ORDER BY occurred_at DESC LIMIT 1",
        (made.json()["id"],),
    ).fetchone()
    assert event == {"type": "company.deleted"}


def test_a_read_with_several_statements_sees_its_tenant_in_each(client, tenant):
    """A read commits with its first round trip; a later statement opens another implicit
    transaction with the tenant set (row-level security would otherwise show nothing)."""
    org = tenant.org_id
    tx = db.database("app").begin(org, "", defer=True, read_only=True)
    try:
        first = tx.conn.execute("SELECT count(*) AS n FROM orgs").fetchone()
        second = tx.conn.execute("SELECT current_setting('app.org_id', true) AS org").fetchone()
    finally:
        tx.rollback()
    assert first == {"n": 1}
    assert second == {"org": org}


def test_a_read_whose_statement_fails_still_counts(client, tenant, admin_db):
    """A read's count goes after its statements; when one of them fails, the count is sent on
    its own, and the prelude is heard before the route's error is raised."""
    from hearth.http import ratelimit

    org, subject = tenant.org_id, f"test:{uuid.uuid4()}"
    heard = []
    tx = db.database("app").begin(
        org, "", prelude=ratelimit.prelude(org, None, subject), defer=True, read_only=True
    )
    tx.on_prelude = lambda rows, enforce: heard.append(rows[0]["hits"])
    try:
        with pytest.raises(psycopg.errors.DivisionByZero):
            tx.conn.execute("SELECT 1 / 0 AS boom").fetchone()
    finally:
        tx.rollback()
    assert heard == [1]
    row = admin_db.execute("SELECT hits FROM rate_limit_counters WHERE subject = %s", (subject,)).fetchone()
    assert row == {"hits": 1}


def test_the_route_sees_no_result_before_the_prelude_is_checked(client, tenant):
    """A prelude that refuses stops the route at its first result, with the prelude's problem."""
    from hearth.problems import TooManyRequests

    org = tenant.org_id
    seen = []

    def refuse(rows, enforce):
        seen.append((rows, enforce))
        if enforce:
            raise TooManyRequests("rate_limited", "no")

    prelude = db.Prelude("SELECT 41 + 1 AS answer", {})
    tx = db.database("app").begin(org, "", prelude=prelude, defer=True, read_only=True)
    tx.on_prelude = refuse
    try:
        cur = tx.conn.execute("SELECT name FROM orgs")
        with pytest.raises(TooManyRequests):
            cur.fetchone()
    finally:
        tx.rollback()
    assert seen == [([{"answer": 42}], True)]


def _first_result(org: str, prelude: db.Prelude) -> None:
    """Open a deferred write with ``prelude`` and read its first result."""
    tx = db.database("app").begin(org, "", prelude=prelude, defer=True, read_only=False)
    try:
        tx.conn.execute("SELECT name FROM orgs").fetchone()
    finally:
        tx.rollback()


def test_a_failing_prelude_is_told_apart_from_a_failing_route_statement(client, tenant):
    org = tenant.org_id
    broken = db.Prelude("SELECT 1 / 0 AS never", {})
    # The failure surfaces at the first result, or already while the opening is queued when
    # the prelude's results are in by then (psycopg reads what has arrived as it queues).
    with pytest.raises(db.PreludeFailed):
        _first_result(org, broken)
    fine = db.Prelude("SELECT 1 AS fine", {})
    tx = db.database("app").begin(org, "", prelude=fine, defer=True, read_only=False)
    heard = []
    tx.on_prelude = lambda rows, enforce: heard.append(rows)
    try:
        with pytest.raises(psycopg.errors.DivisionByZero):
            tx.conn.execute("SELECT 1 / 0 AS route").fetchone()
    finally:
        tx.rollback()
    assert heard == [[{"fine": 1}]]  # the prelude's answer was heard before the route's error
    # The connection is clean afterwards.
    with db.tenant_transaction(org) as conn:
        assert conn.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 1}


def test_a_prelude_failure_seen_while_queueing_is_the_preludes(tenant, monkeypatch):
    """When the prelude's error is already in while the transaction's opening is queued, begin
    refuses with PreludeFailed (503), not as the route's error, and the connection stays usable."""
    real = transactions._queue_open

    def open_after_the_answer(conn, params, *, read_only):
        conn.pgconn.flush()
        time.sleep(0.05)  # the prelude's failure is back before the opening is queued
        real(conn, params, read_only=read_only)

    monkeypatch.setattr(transactions, "_queue_open", open_after_the_answer)
    with pytest.raises(db.PreludeFailed):
        _first_result(tenant.org_id, db.Prelude("SELECT 1 / 0 AS never", {}))
    monkeypatch.setattr(transactions, "_queue_open", real)
    with db.tenant_transaction(tenant.org_id) as conn:
        assert conn.execute("SELECT count(*) AS n FROM orgs").fetchone() == {"n": 1}
