"""The AI assistant in a running ``hearth local``, as a developer tries it: a run asked over HTTP
goes through the outbox, the event dispatch consumer and the AI run queue to the AI worker, which
calls the Anthropic stand-in with the local platform key; the run completes offline, for a task
with a subject and for ``ask`` with a tool round."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hearth_dev import demo
from hearth_dev.local import postgres

from tests.e2e.conftest import RunningStack, start_stack, wait_for

pytestmark = pytest.mark.e2e

KEY = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}


@pytest.fixture(scope="module")
def stack(database: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        with start_stack(tmp_path_factory.mktemp("ai-stack"), "--no-schedules", database_url=url) as running:
            yield running
    finally:
        postgres.drop_database(database["server"], name)


def finished(stack: RunningStack, run_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        run: dict[str, Any] = stack.client.get(f"/v1/ai/runs/{run_id}", headers=KEY).json()
        return run if run.get("status") in ("completed", "failed") else None

    return dict(wait_for(done, 60, "the AI run to finish", interval=0.5))


def anthropic_requests(stack: RunningStack) -> list[dict[str, Any]]:
    url = stack.state["standins"]["anthropic"]["url"]
    got = stack.client.get(url + "/_standin/requests").json()["requests"]
    return [json.loads(r["body"]) for r in reversed(got) if r["path"] == "/v1/messages"]


def test_a_run_asked_over_http_completes_through_the_queue(stack: RunningStack) -> None:
    email = f"ada.{secrets.token_hex(3)}@example.com"
    company = stack.client.post(
        "/v1/companies", headers=KEY, json={"name": f"Engines {secrets.token_hex(3)}"}
    )
    assert company.status_code == 201, company.text
    interaction = stack.client.post(
        "/v1/interactions",
        headers=KEY,
        json={
            "type": "email",
            "company_id": company.json()["id"],
            "summary": f"Write to {email} for prices.",
        },
    )
    assert interaction.status_code == 201, interaction.text
    asked = stack.client.post(
        "/v1/ai/runs",
        headers=KEY,
        json={"task": "summarize", "subject": {"type": "company", "id": company.json()["id"]}},
    )
    assert asked.status_code == 202, asked.text
    run = finished(stack, asked.json()["id"])
    assert run["status"] == "completed", run
    assert run["output"]["summary"].startswith("(local stand-in)")
    assert run["usage"]["input_tokens"] > 0
    assert {"type": "company", "id": company.json()["id"]} in run["shown"]
    (request,) = [r for r in anthropic_requests(stack) if company.json()["name"] in json.dumps(r)]
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert email not in json.dumps(request)
    assert "<EMAIL_1>" in json.dumps(request)


def test_ask_runs_a_tool_round_locally(stack: RunningStack) -> None:
    name = f"Zeta {secrets.token_hex(3)}"
    company = stack.client.post("/v1/companies", headers=KEY, json={"name": name})
    assert company.status_code == 201, company.text
    asked = stack.client.post(
        "/v1/ai/runs",
        headers=KEY,
        json={"task": "ask", "instructions": f'Which companies are called "{name}"?'},
    )
    assert asked.status_code == 202, asked.text
    run = finished(stack, asked.json()["id"])
    assert run["status"] == "completed", run
    assert {"type": "company", "id": company.json()["id"]} in run["shown"]
    tool_turns = [r for r in anthropic_requests(stack) if name in json.dumps(r) and len(r["messages"]) == 3]
    assert tool_turns, "the worker sent the tool's result back"
    call = tool_turns[0]["messages"][1]["content"][0]
    assert (call["name"], call["input"]) == ("search_companies", {"query": name})
    assert tool_turns[0]["messages"][2]["content"][0]["type"] == "tool_result"
