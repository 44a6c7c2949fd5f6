"""Concurrent writes in one org, through the in-process gateway on threads against the real
database: no deadlock between membership changes and other writes, no 412 for a write that named
no version, and a transaction conflict is retried by the kit (then answered 409, never 503)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from hearth import db
from tests.api_client import ApiClient, Tenant


def _close_connections() -> None:
    """Close this thread's connections (each thread stands for an execution environment)."""
    db.database("app").discard()
    db.database("system").discard()


def _run_in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:
            out["error"] = exc
        finally:
            _close_connections()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def _wait_until_blocked(
    admin: psycopg.Connection[dict[str, Any]], org_id: str, timeout: float = 10, *, count: int = 1
) -> None:
    """Until ``count`` backends of the app role wait on a lock (the routes reached theirs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT count(*) AS n FROM pg_stat_activity"
            " WHERE usename = 'hearth_app' AND wait_event_type = 'Lock'"
        ).fetchone()
        if row and row["n"] >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} requests of org {org_id} ever waited on a lock")


@pytest.fixture
def locker(database: dict[str, str]) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A second session (superuser, so it sees every org) that holds locks for a test."""
    with psycopg.connect(database["admin"], row_factory=dict_row) as conn:
        yield conn
        conn.rollback()


def test_membership_change_and_an_audited_write_do_not_deadlock(
    client: ApiClient, tenant: Tenant, admin_db: Any, locker: Any
) -> None:
    """Another write has appended its audit row (it holds the org's chain head) and goes on to
    insert a row that references the org (a foreign-key check takes a key-share lock on the org
    row). A membership change that meanwhile locked the org row and waits for the chain head
    must not block that key-share lock: that was a deadlock."""
    member = client.add_member(tenant, "member")
    org = tenant.org_id
    locker.execute("SELECT 1 FROM audit_chain_heads WHERE org_id = %s FOR UPDATE", (org,))
    thread, out = _run_in_thread(
        lambda: client.patch(
            f"/v1/members/{member.user_id}",
            auth=tenant.owner.auth,
            org=org,
            json_body={"role": "viewer"},
        )
    )
    _wait_until_blocked(admin_db, org)
    # The other write's foreign-key check on org_id, as PostgreSQL runs it.
    locker.execute("SET LOCAL lock_timeout = '3s'")
    locker.execute("SELECT 1 FROM ONLY orgs x WHERE id = %s FOR KEY SHARE OF x", (org,))
    locker.commit()
    thread.join(30)
    assert "error" not in out, out.get("error")
    response = out["result"]
    assert response.status == 200, response.body
    assert response.json()["role"] == "viewer"


def test_two_owners_leaving_at_once_leave_one_owner(
    client: ApiClient, tenant: Tenant, admin_db: Any, locker: Any
) -> None:
    """Leaving is a membership change like any other: it takes the org's turn, so the second of
    two owners leaving at once sees the first gone and is refused (409 last_owner)."""
    org = tenant.org_id
    second = client.add_member(tenant, "owner", "second-owner")
    # Hold the chain head: the first to leave stops at its audit row, its delete not committed.
    locker.execute("SELECT 1 FROM audit_chain_heads WHERE org_id = %s FOR UPDATE", (org,))
    leaving = []
    for user in (tenant.owner, second):
        leaving.append(
            _run_in_thread(
                lambda user=user: client.delete(f"/v1/members/{user.user_id}", auth=user.auth, org=org)
            )
        )
        _wait_until_blocked(admin_db, org, count=len(leaving))
    locker.commit()
    statuses = []
    for thread, out in leaving:
        thread.join(30)
        assert "error" not in out, out.get("error")
        statuses.append(out["result"].status)
    assert sorted(statuses) == [204, 409], [out["result"].body for _t, out in leaving]
    owners = admin_db.execute(
        "SELECT count(*) AS n FROM org_members WHERE org_id = %s AND role = 'owner'", (org,)
    ).fetchone()
    assert owners["n"] == 1


def test_patch_without_if_match_waits_for_a_concurrent_update_instead_of_412(
    client: ApiClient, tenant: Tenant, admin_db: Any, locker: Any
) -> None:
    """A concurrent update commits between this request's read and its write: without
    ``If-Match`` the request named no version, so it applies on top of the new one."""
    org = tenant.org_id
    locker.execute("UPDATE orgs SET name = 'Renamed elsewhere' WHERE id = %s", (org,))
    thread, out = _run_in_thread(
        lambda: client.patch(
            "/v1/orgs/current", auth=tenant.owner.auth, org=org, json_body={"name": "Renamed here"}
        )
    )
    _wait_until_blocked(admin_db, org)
    locker.commit()
    thread.join(30)
    assert "error" not in out, out.get("error")
    response = out["result"]
    assert response.status == 200, response.body
    assert response.json()["name"] == "Renamed here"
    stored = admin_db.execute("SELECT name, version FROM orgs WHERE id = %s", (org,)).fetchone()
    assert stored["name"] == "Renamed here"
    assert response.header("etag") == f'"{stored["version"]}"'


def test_if_match_still_answers_412_when_stale(client: ApiClient, tenant: Tenant) -> None:
    org = tenant.org_id
    current = client.get("/v1/orgs/current", auth=tenant.owner.auth, org=org)
    version = current.header("etag")
    assert (
        client.patch("/v1/orgs/current", auth=tenant.owner.auth, org=org, json_body={"name": "First"}).status
        == 200
    )
    stale = client.patch(
        "/v1/orgs/current",
        auth=tenant.owner.auth,
        org=org,
        json_body={"name": "Second"},
        headers={"if-match": str(version)},
    )
    assert stale.status == 412, stale.body
    assert stale.json()["code"] == "stale_version"


def test_parallel_patches_of_the_org_all_apply(client: ApiClient, tenant: Tenant, admin_db: Any) -> None:
    org = tenant.org_id
    before = admin_db.execute("SELECT version FROM orgs WHERE id = %s", (org,)).fetchone()["version"]

    def rename(i: int) -> int:
        try:
            return client.patch(
                "/v1/orgs/current", auth=tenant.owner.auth, org=org, json_body={"name": f"Org {i}"}
            ).status
        finally:
            _close_connections()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(pool.map(rename, range(40)))
    assert statuses == {200: 40}, statuses
    after = admin_db.execute("SELECT version FROM orgs WHERE id = %s", (org,)).fetchone()["version"]
    assert after == before + 40
    chain = client.get("/v1/audit-logs/verify", auth=tenant.owner.auth, org=org)
    assert chain.status == 200, chain.body
    assert chain.json()["valid"] is True


def test_parallel_membership_changes_and_record_writes_in_one_org(client: ApiClient, tenant: Tenant) -> None:
    """Role changes, org renames, company creates and updates in parallel: none answers 5xx,
    none deadlocks into a 409, and the audit chain still verifies."""
    org = tenant.org_id
    owner = tenant.owner.auth
    members = [client.add_member(tenant, "member", f"m{i}") for i in range(3)]
    company = client.post("/v1/companies", auth=owner, org=org, json_body={"name": "Shared"})
    assert company.status == 201, company.body
    company_id = company.json()["id"]

    def work(i: int) -> tuple[str, int, bytes]:
        try:
            kind = i % 4
            if kind == 0:
                member = members[i % len(members)]
                role = "viewer" if (i // 4) % 2 == 0 else "member"
                r = client.patch(
                    f"/v1/members/{member.user_id}", auth=owner, org=org, json_body={"role": role}
                )
            elif kind == 1:
                r = client.post(
                    "/v1/companies",
                    auth=owner,
                    org=org,
                    json_body={"name": f"Co {i}", "owner_id": members[i % len(members)].user_id},
                )
            elif kind == 2:
                r = client.patch(
                    f"/v1/companies/{company_id}", auth=owner, org=org, json_body={"name": f"Shared {i}"}
                )
            else:
                r = client.patch("/v1/orgs/current", auth=owner, org=org, json_body={"name": f"Org {i}"})
            return ("member", "create", "update", "org")[kind], r.status, r.body
        finally:
            _close_connections()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(120)))
    failures = [(kind, status, body[:200]) for kind, status, body in results if status >= 300]
    assert failures == [], failures
    chain = client.get("/v1/audit-logs/verify", auth=owner, org=org)
    assert chain.status == 200, chain.body
    assert chain.json()["valid"] is True


@pytest.fixture
def conflicts(admin_db: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], list[str]]:
    """Make the next org updates fail in the database with the given SQLSTATEs, one per attempt
    (a real server error that aborts the transaction); returns the list of SQLSTATEs raised."""
    from hearth.orgs import store

    admin_db.execute(
        "CREATE OR REPLACE FUNCTION test_transaction_conflict(code text) RETURNS int LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'test conflict' USING ERRCODE = code; END $$"
    )
    original = store.update
    raised: list[str] = []

    def arm(codes: list[str], *, after: bool = False) -> list[str]:
        """``after``: the failing statement follows the update (its error may only come back
        with the commit, where statements are pipelined)."""
        pending = list(codes)

        def fail(conn: Any) -> None:
            if pending:
                raised.append(pending.pop(0))
                conn.execute("SELECT test_transaction_conflict(%s)", (raised[-1],))

        def update(conn: Any, version: int, changes: dict[str, Any]) -> Any:
            if not after:
                fail(conn)
            row = original(conn, version, changes)
            if after:
                fail(conn)
            return row

        monkeypatch.setattr(store, "update", update)
        return raised

    return arm


def _audited_updates(admin_db: Any, org: str) -> int:
    row = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s AND action = 'org.update'", (org,)
    ).fetchone()
    return int(row["n"])


@pytest.mark.parametrize(("code", "after"), [("40P01", False), ("40001", False), ("40P01", True)])
def test_a_deadlock_or_serialization_failure_is_retried(
    client: ApiClient, tenant: Tenant, admin_db: Any, conflicts: Any, code: str, after: bool
) -> None:
    raised = conflicts([code, code], after=after)
    response = client.patch(
        "/v1/orgs/current", auth=tenant.owner.auth, org=tenant.org_id, json_body={"name": "Third time"}
    )
    assert response.status == 200, response.body
    assert raised == [code, code]
    assert response.json()["name"] == "Third time"
    assert _audited_updates(admin_db, tenant.org_id) == 1


def test_a_conflict_that_persists_is_409_and_changes_nothing(
    client: ApiClient, tenant: Tenant, admin_db: Any, conflicts: Any
) -> None:
    from hearth.http import invocation

    before = admin_db.execute("SELECT name, version FROM orgs WHERE id = %s", (tenant.org_id,)).fetchone()
    raised = conflicts(["40P01"] * 10)
    response = client.patch(
        "/v1/orgs/current", auth=tenant.owner.auth, org=tenant.org_id, json_body={"name": "Never"}
    )
    assert response.status == 409, response.body
    assert response.json()["code"] == "concurrent_update"
    assert len(raised) == invocation.MAX_ATTEMPTS
    after = admin_db.execute("SELECT name, version FROM orgs WHERE id = %s", (tenant.org_id,)).fetchone()
    assert after == before
    assert _audited_updates(admin_db, tenant.org_id) == 0
