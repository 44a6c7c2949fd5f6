"""Races through the in-process gateway, on threads (each thread is an execution environment with
its own database connection): the same Idempotency-Key twice at once, the same ETag twice at
once, the same upsert key twice at once, two dependencies that would close a cycle, and many
different requests at once (each gets its own answer)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from hearth import db

ROUNDS = 6


def _close_thread_connections() -> None:
    """A thread's environment ends with it: close its connections (one per role)."""
    registry = getattr(db.connections._local, "databases", {})
    for database in registry.values():
        database.discard()
    registry.clear()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            _close_thread_connections()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_one_idempotency_key_twice_at_once_executes_once(client, tenant, stored):
    for round_ in range(ROUNDS):
        key = {"idempotency-key": f"race-{round_}"}
        body = {"name": f"Race {round_}"}
        first, second = at_once(
            lambda body=body, key=key: client.post(
                "/v1/companies", auth=tenant.key_auth, json_body=body, headers=key
            ),
            lambda body=body, key=key: client.post(
                "/v1/companies", auth=tenant.key_auth, json_body=body, headers=key
            ),
        )
        statuses = sorted([first.status, second.status])
        assert statuses in ([201, 201], [201, 409]), statuses
        made = [r for r in (first, second) if r.status == 201]
        assert len({r.json()["id"] for r in made}) == 1  # a second 201 is the replay of the first
        if len(made) == 2:
            assert "true" in {r.header("idempotent-replayed") for r in made}
        else:
            assert (
                next(r for r in (first, second) if r.status == 409).json()["code"] == "idempotency_key_in_use"
            )
        assert stored.count("companies", "name = %s", (body["name"],)) == 1
    assert len(stored.events("company.created")) == ROUNDS


def test_one_etag_twice_at_once_one_wins(client, tenant, crm, stored):
    for round_ in range(ROUNDS):
        company = crm.company()
        path = f"/v1/companies/{company['id']}"
        match = {"if-match": f'"{company["version"]}"'}
        first, second = at_once(
            lambda path=path, match=match: client.patch(
                path, auth=tenant.key_auth, json_body={"industry": "A"}, headers=match
            ),
            lambda path=path, match=match: client.patch(
                path, auth=tenant.key_auth, json_body={"industry": "B"}, headers=match
            ),
        )
        assert sorted([first.status, second.status]) == [200, 412], (round_, first.body, second.body)
        winner = first if first.status == 200 else second
        assert crm.get(path)["industry"] == winner.json()["industry"]
        assert crm.get(path)["version"] == 2
    assert len(stored.events("company.updated")) == ROUNDS


def test_one_upsert_key_twice_at_once_makes_one_record(client, tenant, stored):
    for round_ in range(ROUNDS):
        domain = f"race{round_}.example"
        first, second = at_once(
            lambda domain=domain: client.put(
                "/v1/companies", auth=tenant.key_auth, json_body={"name": "One", "domain": domain}
            ),
            lambda domain=domain: client.put(
                "/v1/companies", auth=tenant.key_auth, json_body={"name": "Two", "domain": domain}
            ),
        )
        assert sorted([first.status, second.status]) == [200, 201]
        assert first.json()["id"] == second.json()["id"]
        assert stored.count("companies", "domain = %s", (domain,)) == 1


def test_two_dependencies_closing_a_cycle_at_once_one_is_refused(client, tenant, crm, stored):
    for _ in range(ROUNDS):
        a, b = crm.task(), crm.task()
        first, second = at_once(
            lambda a=a, b=b: client.patch(
                f"/v1/tasks/{a['id']}", auth=tenant.key_auth, json_body={"depends_on": [b["id"]]}
            ),
            lambda a=a, b=b: client.patch(
                f"/v1/tasks/{b['id']}", auth=tenant.key_auth, json_body={"depends_on": [a["id"]]}
            ),
        )
        assert sorted([first.status, second.status]) == [200, 422], (first.body, second.body)
        edges = stored.count("task_dependencies", "task_id IN (%s, %s)", (a["id"], b["id"]))
        assert edges == 1


def test_concurrent_requests_each_get_their_own_answer(client, tenant, crm):
    """Powertools keeps the current event on its router class; the kit serialises Powertools' part
    of each invocation, so requests on threads never see each other's bodies or paths. (Without
    that lock, a few of these requests answer for another company.)"""
    companies = [crm.company(name=f"Parallel {i}") for i in range(12)]
    calls = [
        (
            lambda c=c: client.patch(
                f"/v1/companies/{c['id']}", auth=tenant.key_auth, json_body={"industry": c["name"]}
            )
        )
        for c in companies
    ]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for _ in range(3):
            results = at_once(*calls)
            for company, result in zip(companies, results, strict=True):
                assert result.status == 200, result.body
                assert result.json()["id"] == company["id"]
                assert result.json()["industry"] == company["name"]
    finally:
        sys.setswitchinterval(interval)
