"""Cross-tenant cases: the AI assistant. Runs, their subjects, usage and settings of one org are
out of reach of another: ids are not found, lists and totals hold only the caller's own."""

from __future__ import annotations

import uuid

from hearth import db
from hearth.ai import budget, store
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case

RUNS = "/v1/ai/runs"


def _victim_run(client, victim, *, task: str = "next_actions", finish: bool = True) -> tuple[dict, dict]:
    deal = client.post(
        "/v1/deals", auth=victim.key_auth, json_body={"name": f"Deal {uuid.uuid4().hex}"}
    ).json()
    run = client.post(
        RUNS, auth=victim.key_auth, json_body={"task": task, "subject": {"type": "deal", "id": deal["id"]}}
    )
    assert run.status == 202, run.body
    if finish:
        with db.tenant_transaction(victim.org_id) as conn:
            run_id = uuid.UUID(run.json()["id"])
            store.claim(conn, run_id)
            store.finish(
                conn,
                run_id,
                status="completed",
                output={"actions": [{"action": "a", "why": "b", "task": {"title": "Victim task"}}]},
                usage={"input_tokens": 77, "output_tokens": 0},
                stop_reason="end_turn",
                shown=[{"type": "deal", "id": deal["id"]}],
            )
            budget.record(conn, victim.org_id, run_id, 77)
    return deal, client.get(f"{RUNS}/{run.json()['id']}", auth=victim.key_auth).json()


@case("POST /v1/ai/runs")
def create_run(client, victim, intruder):
    deal, run = _victim_run(client, victim, finish=False)
    asked = client.post(
        RUNS,
        auth=intruder.key_auth,
        json_body={"task": "summarize", "subject": {"type": "deal", "id": deal["id"]}},
    )
    assert asked.status == 422, asked.body
    assert asked.json()["errors"][0]["field"] == "subject.id"
    assert_not_leaked(asked, deal["name"], run["id"], victim.org_id)
    assert client.get(RUNS, auth=victim.key_auth).json()["data"] == [run]


@case("GET /v1/ai/runs/{run_id}")
def get_run(client, victim, intruder):
    deal, run = _victim_run(client, victim)
    assert_hidden(client.get(f"{RUNS}/{run['id']}", auth=intruder.key_auth), deal["id"], "Victim task")


@case("GET /v1/ai/runs")
def list_runs(client, victim, intruder):
    deal, run = _victim_run(client, victim)
    listed = client.get(RUNS, auth=intruder.key_auth, query=f"filter[subject_id]={deal['id']}")
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(client.get(RUNS, auth=intruder.key_auth), run["id"], deal["id"], "Victim task")


@case("POST /v1/ai/runs/{run_id}/apply")
def apply_run(client, victim, intruder):
    deal, run = _victim_run(client, victim)
    applied = client.post(f"{RUNS}/{run['id']}/apply", auth=intruder.key_auth, json_body={"actions": [0]})
    assert_hidden(applied, deal["id"], "Victim task")
    assert client.get(f"{RUNS}/{run['id']}", auth=victim.key_auth).json()["applied"] == {}
    assert client.get("/v1/tasks", auth=victim.key_auth).json()["data"] == []
    assert client.get("/v1/tasks", auth=intruder.key_auth).json()["data"] == []


@case("GET /v1/ai/usage")
def usage(client, victim, intruder):
    _deal, run = _victim_run(client, victim)
    seen = client.get("/v1/ai/usage", auth=intruder.key_auth)
    assert seen.status == 200
    assert (seen.json()["tokens_used"], seen.json()["runs"]) == (0, [])
    assert_not_leaked(seen, run["id"])
    assert client.get("/v1/ai/usage", auth=victim.key_auth).json()["tokens_used"] == 77


@case("GET /v1/ai/settings", "PATCH /v1/ai/settings")
def settings(client, victim, intruder):
    changed = client.patch("/v1/ai/settings", auth=victim.key_auth, json_body={"redact": ["iban"]})
    assert changed.status == 200
    seen = client.get("/v1/ai/settings", auth=intruder.key_auth).json()
    assert seen["redact"] == ["email", "phone", "card", "iban", "national_id"]
    own = client.patch("/v1/ai/settings", auth=intruder.key_auth, json_body={"redact": []})
    assert own.status == 200
    assert client.get("/v1/ai/settings", auth=victim.key_auth).json()["redact"] == ["iban"]
    assert (
        client.patch(
            "/v1/ai/settings", auth=intruder.key_auth, json_body={"redact": ["email"]}, org=victim.org_id
        ).status
        == 403
    )
    assert client.get("/v1/ai/settings", auth=victim.key_auth).json()["redact"] == ["iban"]
