"""The AI worker through the real ``anthropic`` SDK against the Anthropic stand-in: each task from
the queued run to its outcome (output with placeholders restored, usage, the records shown, the
event, the ledger), tool rounds, retries honouring ``retry-after``, failures that end the run with
a sanitised reason, the budget, a repeated message, a requester who left, and logs that never
hold a prompt or an answer.

Most tests give the worker a context of their own (``hearth.ai.context`` has its own tests), so
that what the model is sent is known exactly; the last ones run the real context and tools."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from hearth_dev.standins import AnthropicStandIn
from hearth_dev.standins.providers import ANTHROPIC_API_KEY

from hearth import db, plans, platform_secrets
from hearth.ai import context, provider, store, tasks, worker
from hearth.ai.messages import AiRunMessage
from hearth.settings import ConfigurationError
from tests.conftest import ROOT
from tests.integration.crm.builders import Crm, marker

RUNS = "/v1/ai/runs"
EMAIL = "ada.lovelace@example.com"
PHONE = "+44 20 7946 0958"
CONTEXT = f"Company: Analytical Engines Ltd. Contact: Ada Lovelace, {EMAIL}, {PHONE}. Stage: proposal."


@pytest.fixture(scope="module")
def standin() -> Iterator[AnthropicStandIn]:
    with AnthropicStandIn(ANTHROPIC_API_KEY) as running:
        yield running  # type: ignore[misc]


@pytest.fixture
def anthropic(standin: AnthropicStandIn, monkeypatch: pytest.MonkeyPatch) -> AnthropicStandIn:
    """The stand-in, empty, with the worker's settings pointing at it (the platform key)."""
    standin.clear()
    standin.clear_faults()
    standin.replies.clear()
    standin.tool_calls.clear()
    cfg = worker.settings().model_copy(
        update={"anthropic_base_url": standin.url, "anthropic_api_key": ANTHROPIC_API_KEY}
    )
    monkeypatch.setattr(worker, "settings", lambda: cfg)
    monkeypatch.setattr(provider, "settings", lambda: cfg)
    monkeypatch.setattr(platform_secrets, "settings", lambda: cfg)
    provider._clients.clear()
    return standin


@pytest.fixture
def crm(client, tenant) -> Crm:
    return Crm(client, tenant)


@dataclass
class FakeContext:
    text: str
    shown: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def given_context(monkeypatch: pytest.MonkeyPatch):
    """Give the worker this context text and these shown records (instead of building one)."""
    seen: list[Any] = []

    def give(
        text: str, shown: list[dict[str, str]] | None = None, error: Exception | None = None
    ) -> list[Any]:
        def build(conn, run, reader):
            seen.append(reader)
            if error is not None:
                raise error
            return FakeContext(text, list(shown or []))

        monkeypatch.setattr(worker.context, "build", build)
        return seen

    return give


def limits(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    monkeypatch.setattr(worker, "LIMITS", worker.Limits(**changes))


def ask(client, tenant, body: dict[str, Any], who=None) -> str:
    user = who or tenant.owner
    made = client.post(RUNS, auth=user.auth, org=tenant.org_id, json_body=body)
    assert made.status == 202, made.body
    return str(made.json()["id"])


def without_ids(text: str) -> str:
    """``text`` without its UUIDs (random hex digits could spell any digit group)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)


def summarize(client, tenant, crm, who=None) -> str:
    """A summarize run of a new company, asked by ``who`` (the owner by default)."""
    return ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}, who
    )


def process(tenant, run_id: str) -> None:
    worker.process(AiRunMessage(uuid.UUID(tenant.org_id), uuid.UUID(run_id)))


def run_of(admin_db, run_id: str) -> dict[str, Any]:
    row = admin_db.execute("SELECT * FROM ai_runs WHERE id = %s", (run_id,)).fetchone()
    assert row is not None
    return dict(row)


def events(admin_db, run_id: str) -> list[dict[str, Any]]:
    return admin_db.execute(
        "SELECT type, actor_type, payload FROM domain_events WHERE resource_type = 'ai_run'"
        " AND resource_id = %s AND type <> 'ai.run.queued' ORDER BY occurred_at",
        (run_id,),
    ).fetchall()


def ledger(admin_db, run_id: str) -> int | None:
    row = admin_db.execute("SELECT tokens FROM ai_usage WHERE run_id = %s", (run_id,)).fetchone()
    return None if row is None else int(row["tokens"])


def sent(standin: AnthropicStandIn) -> list[dict[str, Any]]:
    """The Messages requests the stand-in got, oldest first."""
    return [json.loads(r.body) for r in reversed(standin.requests) if r.path == "/v1/messages"]


# -- each task, end to end ----------------------------------------------------------------------


def test_summarize_redacts_what_it_sends_and_restores_what_it_stores(
    client, tenant, crm, anthropic, given_context, admin_db
):
    company = crm.company()
    shown = [{"type": "company", "id": company["id"]}]
    readers = given_context(CONTEXT, shown)
    anthropic.reply_with(
        json.dumps(
            {
                "summary": "Analytical Engines is at the proposal stage; write <EMAIL_1> or call <PHONE_1>.",
                "key_points": ["Contact <EMAIL_1>", "Stage: proposal", "Ignore <EMAIL_7>"],
            }
        )
    )
    run_id = ask(client, tenant, {"task": "summarize", "subject": {"type": "company", "id": company["id"]}})
    process(tenant, run_id)

    (reader,) = readers
    assert (str(reader.user_id), reader.role) == (tenant.owner.user_id, "owner")
    (request,) = sent(anthropic)
    raw = anthropic.requests[0].body
    assert EMAIL not in raw
    assert not re.search(r"7946|0958", without_ids(raw))
    assert "<EMAIL_1>" in raw
    assert "<PHONE_1>" in raw
    assert request["model"] == "claude-sonnet-4-5"
    assert request["system"] == [
        {"type": "text", "text": tasks.TASKS["summarize"].system, "cache_control": {"type": "ephemeral"}}
    ]
    assert "tools" not in request
    assert request["max_tokens"] == tasks.TASKS["summarize"].max_tokens

    run = run_of(admin_db, run_id)
    assert run["status"] == "completed"
    assert run["error"] is None
    assert run["output"] == {
        "summary": f"Analytical Engines is at the proposal stage; write {EMAIL} or call {PHONE}.",
        "key_points": [f"Contact {EMAIL}", "Stage: proposal", "Ignore <EMAIL_7>"],
    }
    assert run["stop_reason"] == "end_turn"
    assert run["shown"] == shown
    usage = run["usage"]
    assert set(usage) == {
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    }
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"] > 0
    assert ledger(admin_db, run_id) == sum(usage.values())
    (event,) = events(admin_db, run_id)
    assert event["type"] == "ai.run.completed"
    assert event["actor_type"] == "system"
    assert event["payload"]["status"] == "completed"
    assert event["payload"]["task"] == "summarize"
    assert event["payload"]["subject"] == {"type": "company", "id": company["id"]}
    assert EMAIL not in json.dumps(event["payload"])  # the event says what happened, not the output

    # The same fixed system prompt a second time is read from the provider's cache.
    anthropic.reply_with(json.dumps({"summary": "Again.", "key_points": []}))
    again = ask(client, tenant, {"task": "summarize", "subject": {"type": "company", "id": company["id"]}})
    process(tenant, again)
    second = run_of(admin_db, again)["usage"]
    assert second["cache_read_input_tokens"] > 0
    assert second["cache_creation_input_tokens"] == 0


def test_draft_reply_and_next_actions(client, tenant, crm, anthropic, given_context, admin_db):
    person = crm.person(email=EMAIL)
    given_context(f"Thread (sms) with Ada, {PHONE}: 'Can we move the call to Friday?'")
    anthropic.reply_with(
        json.dumps({"channel": "sms", "draft": "Friday works. I will call <PHONE_1> at 10."})
    )
    draft = ask(
        client,
        tenant,
        {
            "task": "draft_reply",
            "subject": {"type": "person", "id": person["id"]},
            "instructions": "Be brief",
        },
    )
    process(tenant, draft)
    assert run_of(admin_db, draft)["output"] == {
        "channel": "sms",
        "draft": f"Friday works. I will call {PHONE} at 10.",
    }
    assert sent(anthropic)[-1]["system"][0]["text"] == tasks.TASKS["draft_reply"].system

    deal = crm.deal()
    given_context(f"Deal: Engines renewal. Contact {EMAIL}. No open tasks.")
    anthropic.reply_with(
        json.dumps(
            {
                "actions": [
                    {
                        "action": "Send the proposal to <EMAIL_1>",
                        "why": "The proposal is due.",
                        "task": {"title": "Send the proposal", "due_date": "2030-02-01", "priority": "high"},
                    }
                ]
            }
        )
    )
    nexts = ask(client, tenant, {"task": "next_actions", "subject": {"type": "deal", "id": deal["id"]}})
    process(tenant, nexts)
    run = run_of(admin_db, nexts)
    assert run["status"] == "completed", run["error"]
    assert run["output"]["actions"][0]["action"] == f"Send the proposal to {EMAIL}"
    assert run["output"]["actions"][0]["task"] == {
        "title": "Send the proposal",
        "due_date": "2030-02-01",
        "priority": "high",
    }


def test_ask_runs_tool_rounds_as_the_requester_with_results_redacted(
    client, tenant, crm, anthropic, given_context, admin_db, monkeypatch
):
    company = crm.company()
    other = str(uuid.uuid4())
    given_context("Question: who is our contact at Analytical Engines?")
    calls: list[tuple[Any, str, dict[str, Any]]] = []

    def run_tool(conn, reader, name, arguments):
        calls.append((reader, name, arguments))
        found = [{"id": company["id"], "name": "Analytical Engines", "contact": EMAIL}]
        return worker.tools.ToolResult(json.dumps(found), [{"type": "company", "id": company["id"]}])

    monkeypatch.setattr(worker.tools, "run", run_tool)
    anthropic.reply_with_tool("search_companies", {"query": "Analytical"})
    anthropic.reply_with_tool("get_record", {"type": "company", "id": company["id"], "note": "<EMAIL_1>"})
    anthropic.reply_with(
        json.dumps(
            {
                "answer": "Write to <EMAIL_1>.",
                "records": [{"type": "company", "id": company["id"]}, {"type": "deal", "id": other}],
            }
        )
    )
    run_id = ask(client, tenant, {"task": "ask", "instructions": "Who is our contact at Analytical Engines?"})
    process(tenant, run_id)

    run = run_of(admin_db, run_id)
    assert run["status"] == "completed", run["error"]
    # placeholders in a tool's input are the values again when the tool runs
    assert [(c[1], c[2]) for c in calls] == [
        ("search_companies", {"query": "Analytical"}),
        ("get_record", {"type": "company", "id": company["id"], "note": EMAIL}),
    ]
    assert all(str(c[0].user_id) == tenant.owner.user_id and c[0].role == "owner" for c in calls)
    requests = sent(anthropic)
    assert len(requests) == 3
    assert requests[0]["tools"] == worker.tools.DEFINITIONS
    assert requests[0]["tool_choice"] == {"type": "auto"}
    results = requests[1]["messages"][-1]["content"]
    assert results[0]["type"] == "tool_result"
    assert "<EMAIL_1>" in results[0]["content"]
    assert all(EMAIL not in r.body for r in anthropic.requests)
    # the answer's records: only those the model was shown
    assert run["output"] == {
        "answer": f"Write to {EMAIL}.",
        "records": [{"type": "company", "id": company["id"]}],
    }
    assert run["shown"] == [{"type": "company", "id": company["id"]}]
    assert run["usage"]["input_tokens"] >= sum(1 for _ in requests)


def test_ask_stops_calling_tools_after_the_last_round(
    client, tenant, anthropic, given_context, admin_db, monkeypatch
):
    given_context("Question: everything?")
    monkeypatch.setattr(
        worker.tools, "run", lambda conn, reader, name, arguments: worker.tools.ToolResult("[]", [])
    )
    limits(monkeypatch, tool_rounds=2)
    for _ in range(5):
        anthropic.reply_with_tool("search_deals", {"query": "x"})
    run_id = ask(client, tenant, {"task": "ask", "instructions": "Everything?"})
    process(tenant, run_id)
    requests = sent(anthropic)
    # two tool rounds, then a turn that may not call a tool: the stand-in answers from the schema
    assert [r["tool_choice"] for r in requests] == [{"type": "auto"}, {"type": "auto"}, {"type": "none"}]
    run = run_of(admin_db, run_id)
    assert run["status"] == "completed", run["error"]
    assert run["output"]["answer"].startswith("(local stand-in)")


def test_a_tool_refusal_is_told_to_the_model(client, tenant, anthropic, given_context, admin_db):
    given_context("Question: the audit log?")
    anthropic.reply_with_tool("read_audit_log", {"limit": 5})  # no such tool: the real tools refuse
    anthropic.reply_with(json.dumps({"answer": "I cannot read that.", "records": []}))
    run_id = ask(client, tenant, {"task": "ask", "instructions": "Show me the audit log"})
    process(tenant, run_id)
    (result,) = sent(anthropic)[1]["messages"][-1]["content"]
    assert result["is_error"] is True
    assert "read_audit_log" in json.loads(result["content"])["error"]
    run = run_of(admin_db, run_id)
    assert run["status"] == "completed"
    assert run["shown"] == []


# -- the provider's temporary failures, and the deadline ----------------------------------------


def test_a_429_is_retried_after_what_retry_after_says(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT)
    anthropic.fail(status=429, times=1, paths="/v1/messages", retry_after=2)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    started = time.monotonic()
    process(tenant, run_id)
    assert time.monotonic() - started >= 2
    assert [r.status for r in reversed(anthropic.requests)] == [429, 200]
    assert run_of(admin_db, run_id)["status"] == "completed"


def test_overload_that_lasts_fails_the_run_without_the_provider_text(
    client, tenant, crm, anthropic, given_context, admin_db, monkeypatch
):
    given_context(CONTEXT)
    limits(monkeypatch, attempts=3)
    anthropic.fail(
        status=529, times=10, paths="/v1/messages", message="Overloaded: secret detail PROVIDER-ONLY-TEXT"
    )
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    process(tenant, run_id)
    assert [r.status for r in anthropic.requests] == [529, 529, 529]
    run = run_of(admin_db, run_id)
    assert run["status"] == "failed"
    assert run["error"] == {"code": "provider_overloaded", "message": worker.ERRORS["provider_overloaded"]}
    assert "PROVIDER-ONLY-TEXT" not in json.dumps(run, default=str)  # (not hex: ids are)
    assert (run["output"], run["usage"]) == (None, None)
    assert ledger(admin_db, run_id) is None
    (event,) = events(admin_db, run_id)
    assert event["type"] == "ai.run.failed"
    assert event["payload"]["error"] == {"code": "provider_overloaded"}


def test_a_wait_past_the_deadline_fails_at_once(
    client, tenant, crm, anthropic, given_context, admin_db, monkeypatch
):
    given_context(CONTEXT)
    limits(monkeypatch, run_seconds=12, margin_seconds=5)
    anthropic.fail(status=429, times=5, paths="/v1/messages", retry_after=20)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    started = time.monotonic()
    process(tenant, run_id)
    assert time.monotonic() - started < 5
    assert len(anthropic.requests) == 1
    assert run_of(admin_db, run_id)["error"]["code"] == "provider_rate_limited"


def test_a_provider_that_does_not_answer_in_time_fails_the_run(
    client, tenant, crm, anthropic, given_context, admin_db, monkeypatch
):
    given_context(CONTEXT)
    limits(monkeypatch, call_seconds=1)
    anthropic.fail(status=None, delay=4, paths="/v1/messages")
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    started = time.monotonic()
    process(tenant, run_id)
    assert time.monotonic() - started < 4
    run = run_of(admin_db, run_id)
    assert (run["status"], run["error"]["code"]) == ("failed", "timeout")


# -- answers that do not fit, budgets -------------------------------------------------------------


def test_an_answer_that_does_not_match_the_schema_fails_and_its_tokens_count(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT)
    anthropic.reply_with("Sure! Here is a summary: the deal is fine.")
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    process(tenant, run_id)
    run = run_of(admin_db, run_id)
    assert run["error"] == {"code": "invalid_output", "message": worker.ERRORS["invalid_output"]}
    assert run["output"] is None
    assert run["usage"]["output_tokens"] > 0
    assert ledger(admin_db, run_id) == sum(run["usage"].values())
    anthropic.reply_with(json.dumps({"summary": "x", "key_points": [], "extra": "not in the schema"}))
    again = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    process(tenant, again)
    assert run_of(admin_db, again)["error"]["code"] == "invalid_output"


def _spend(admin_db, org_id: str, left: int) -> None:
    """Leave the org ``left`` tokens of this month's allowance."""
    plan = admin_db.execute("SELECT plan FROM orgs WHERE id = %s", (org_id,)).fetchone()["plan"]
    allowance = plans.get(plan).limits.ai_tokens_per_month
    admin_db.execute(
        "INSERT INTO ai_usage_months (org_id, month, tokens, runs)"
        " VALUES (%s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, %s, 1)"
        " ON CONFLICT (org_id, month) DO UPDATE SET tokens = EXCLUDED.tokens",
        (org_id, allowance - left),
    )


def test_a_run_the_budget_cannot_pay_for_stops_before_calling(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    _spend(admin_db, tenant.org_id, 50)  # less than the prompt alone
    process(tenant, run_id)
    assert anthropic.requests == []
    run = run_of(admin_db, run_id)
    assert run["error"] == {"code": "quota_exceeded", "message": worker.ERRORS["quota_exceeded"]}
    assert run["usage"] is None


def test_the_answer_is_capped_by_what_the_budget_has_left(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    prompt = worker._estimate_input_tokens(
        {
            "system": [
                {
                    "type": "text",
                    "text": tasks.TASKS["summarize"].system,
                    "cache_control": {"type": "ephemeral"},
                }
            ]
        },
        [{"role": "user", "content": "x" * len(CONTEXT)}],
    )
    _spend(admin_db, tenant.org_id, prompt + 100)
    anthropic.reply_with(" ".join(["word"] * 500))  # longer than what is left: cut at max_tokens
    process(tenant, run_id)
    (request,) = sent(anthropic)
    assert 64 <= request["max_tokens"] <= 110
    run = run_of(admin_db, run_id)
    assert run["error"]["code"] == "quota_exceeded"
    assert run["stop_reason"] == "max_tokens"
    assert ledger(admin_db, run_id) == sum(run["usage"].values())


# -- idempotence, the requester, the subject ------------------------------------------------------


def test_a_repeated_message_does_nothing(client, tenant, crm, anthropic, given_context, admin_db):
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    process(tenant, run_id)
    finished = run_of(admin_db, run_id)
    process(tenant, run_id)
    worker.process(AiRunMessage(uuid.uuid4(), uuid.UUID(run_id)))  # another org: not found there
    assert len(anthropic.requests) == 1
    assert run_of(admin_db, run_id) == finished
    assert len(events(admin_db, run_id)) == 1
    assert ledger(admin_db, run_id) == sum(finished["usage"].values())


def test_a_run_whose_worker_was_stopped_fails_when_its_message_comes_again(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    with db.tenant_transaction(tenant.org_id) as conn:  # a worker claimed it, then was stopped
        assert store.claim(conn, uuid.UUID(run_id)) is not None
    process(tenant, run_id)  # a minute later: it may still be running somewhere
    assert run_of(admin_db, run_id)["status"] == "running"
    admin_db.execute("UPDATE ai_runs SET started_at = now() - interval '6 minutes' WHERE id = %s", (run_id,))
    process(tenant, run_id)
    run = run_of(admin_db, run_id)
    assert run["error"] == {"code": "interrupted", "message": worker.ERRORS["interrupted"]}
    assert [e["type"] for e in events(admin_db, run_id)] == ["ai.run.failed"]
    process(tenant, run_id)
    assert len(events(admin_db, run_id)) == 1
    assert anthropic.requests == []


def test_an_outcome_after_the_run_ended_elsewhere_only_counts_its_tokens(
    client, tenant, crm, anthropic, given_context, admin_db, monkeypatch
):
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    real = provider.create

    def answered_after_the_run_was_failed(*args: Any, **kwargs: Any) -> Any:
        reply = real(*args, **kwargs)
        admin_db.execute(
            "UPDATE ai_runs SET status = 'failed', error = '{\"code\": \"interrupted\"}', finished_at = now()"
            " WHERE id = %s",
            (run_id,),
        )
        return reply

    monkeypatch.setattr(provider, "create", answered_after_the_run_was_failed)
    process(tenant, run_id)
    run = run_of(admin_db, run_id)
    assert (run["status"], run["error"], run["output"]) == ("failed", {"code": "interrupted"}, None)
    assert events(admin_db, run_id) == []
    assert ledger(admin_db, run_id) > 0


def test_a_requester_who_left_the_org_fails_the_run(client, tenant, crm, anthropic, given_context, admin_db):
    readers = given_context(CONTEXT)
    member = client.add_member(tenant, "member")
    run_id = summarize(client, tenant, crm, who=member)
    removed = client.delete(f"/v1/members/{member.user_id}", auth=tenant.owner.auth, org=tenant.org_id)
    assert removed.status == 204, removed.body
    process(tenant, run_id)
    assert readers == []
    assert anthropic.requests == []
    run = run_of(admin_db, run_id)
    assert run["error"] == {
        "code": "requester_not_a_member",
        "message": worker.ERRORS["requester_not_a_member"],
    }


def test_the_requester_reads_with_their_current_role(client, tenant, crm, anthropic, given_context, admin_db):
    readers = given_context(CONTEXT)
    member = client.add_member(tenant, "member")
    run_id = summarize(client, tenant, crm, who=member)
    admin_db.execute(
        "UPDATE org_members SET role = 'viewer' WHERE org_id = %s AND user_id = %s",
        (tenant.org_id, member.user_id),
    )
    process(tenant, run_id)
    (reader,) = readers
    assert (str(reader.user_id), reader.role) == (member.user_id, "viewer")


def test_a_run_asked_with_an_api_key_reads_no_more_than_the_key_may(
    client, tenant, crm, anthropic, given_context, admin_db
):
    """The owner's member-role key asks: the worker reads as a member, not as the owner."""
    readers = given_context(CONTEXT)
    key = client.post(
        "/v1/api-keys", auth=tenant.owner.auth, org=tenant.org_id, json_body={"name": "ai", "role": "member"}
    )
    assert key.status == 201, key.body
    made = client.post(
        RUNS,
        auth=f"Bearer {key.json()['secret']}",
        json_body={"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}},
    )
    assert made.status == 202, made.body
    process(tenant, made.json()["id"])
    (reader,) = readers
    assert (str(reader.user_id), reader.role) == (tenant.owner.user_id, "member")
    # The owner's own runs read as the owner.
    process(
        tenant,
        ask(client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}),
    )
    assert readers[-1].role == "owner"


def test_a_subject_gone_since_the_request_fails_the_run(
    client, tenant, crm, anthropic, given_context, admin_db
):
    given_context(CONTEXT, error=context.SubjectGone("deleted"))
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    process(tenant, run_id)
    assert anthropic.requests == []
    assert run_of(admin_db, run_id)["error"]["code"] == "subject_gone"


# -- logs -----------------------------------------------------------------------------------------


def test_logs_hold_no_prompt_context_or_answer(
    client, tenant, crm, anthropic, given_context, admin_db, caplog
):
    secret_words = "zebra-quartz-umbrella"
    given_context(f"{CONTEXT} {secret_words}")
    from hearth.observability import logger

    level = logger.log_level
    logger.setLevel("DEBUG")
    caplog.set_level("DEBUG")
    try:
        anthropic.reply_with("not json, but marmalade-kestrel")
        first = ask(
            client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
        )
        process(tenant, first)
        anthropic.fail(status=529, times=1, paths="/v1/messages", message="overloaded saffron-glacier")
        anthropic.reply_with(json.dumps({"summary": "teal-walrus", "key_points": []}))
        second = ask(
            client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
        )
        process(tenant, second)
    finally:
        logger.setLevel(level)
    # every record with all it carries (message, extra keys, exception text)
    logged = "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert first in logged  # the worker did log (ids, codes, counts)
    assert "invalid_output" in logged
    for leaked in (secret_words, EMAIL, "marmalade-kestrel", "saffron-glacier", "teal-walrus", "Lovelace"):
        assert leaked not in logged
    assert run_of(admin_db, second)["status"] == "completed"


# -- the platform key -----------------------------------------------------------------------------


def test_the_platform_key_comes_from_secrets_manager_on_aws(monkeypatch):
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        plain = sm.create_secret(Name="anthropic-plain", SecretString="sk-ant-plain")["ARN"]
        shaped = sm.create_secret(Name="anthropic-json", SecretString=json.dumps({"api_key": "sk-ant-json"}))[
            "ARN"
        ]
        broken = sm.create_secret(Name="anthropic-broken", SecretString=json.dumps({"key": "x"}))["ARN"]
        parameters.clear_caches()
        base = worker.settings()
        for arn, expected in ((plain, "sk-ant-plain"), (shaped, "sk-ant-json")):
            cfg = base.model_copy(
                update={"anthropic_api_key_secret_arn": arn, "anthropic_api_key": "ignored"}
            )
            monkeypatch.setattr(provider, "settings", lambda cfg=cfg: cfg)
            monkeypatch.setattr(platform_secrets, "settings", lambda cfg=cfg: cfg)
            assert provider.api_key() == expected
        cfg = base.model_copy(update={"anthropic_api_key_secret_arn": broken})
        monkeypatch.setattr(provider, "settings", lambda: cfg)
        monkeypatch.setattr(platform_secrets, "settings", lambda: cfg)
        with pytest.raises(ConfigurationError):
            provider.api_key()
        parameters.clear_caches()
    cfg = base.model_copy(update={"anthropic_api_key_secret_arn": None, "anthropic_api_key": None})
    monkeypatch.setattr(provider, "settings", lambda: cfg)
    monkeypatch.setattr(platform_secrets, "settings", lambda: cfg)
    with pytest.raises(ConfigurationError, match="HEARTH_ANTHROPIC_API_KEY"):
        provider.api_key()


# -- the consumer, and the real context and tools --------------------------------------------------


def test_the_consumer_carries_out_its_queue_records(client, tenant, crm, anthropic, given_context, admin_db):
    fn = load_template(ROOT).functions["AiWorkerFunction"]
    sample = json.loads(fn.sample_event.read_text())
    assert invoke(fn, sample) == {"batchItemFailures": []}  # a run that is not there: nothing to do
    given_context(CONTEXT)
    run_id = ask(
        client, tenant, {"task": "summarize", "subject": {"type": "company", "id": crm.company()["id"]}}
    )
    (record,) = sample["Records"]
    good = {**record, "body": AiRunMessage(uuid.UUID(tenant.org_id), uuid.UUID(run_id)).to_json()}
    bad = {**record, "messageId": "not-a-run", "body": "{}"}
    assert invoke(fn, {"Records": [good, bad]}) == {"batchItemFailures": [{"itemIdentifier": "not-a-run"}]}
    assert run_of(admin_db, run_id)["status"] == "completed"


def test_summarize_with_the_real_context(client, tenant, crm, anthropic, admin_db):
    company = crm.company()
    person = crm.person(email=EMAIL, phones=[PHONE], company_id=company["id"])
    said = crm.interaction(
        type="email",
        direction="inbound",
        company_id=company["id"],
        person_id=person["id"],
        summary=f"Ada asked for the price list: write to {EMAIL} or call {PHONE}.",
    )
    anthropic.reply_with(
        json.dumps({"summary": "Ada asked for prices: <EMAIL_1>.", "key_points": ["<PHONE_1>"]})
    )
    run_id = ask(client, tenant, {"task": "summarize", "subject": {"type": "company", "id": company["id"]}})
    process(tenant, run_id)
    (request,) = anthropic.requests
    assert EMAIL not in request.body
    assert not re.search(r"7946|0958", without_ids(request.body))
    assert "<EMAIL_1>" in request.body
    assert "<PHONE_1>" in request.body
    assert company["name"] in request.body
    run = run_of(admin_db, run_id)
    assert run["status"] == "completed", run["error"]
    assert run["output"] == {"summary": f"Ada asked for prices: {EMAIL}.", "key_points": [PHONE]}
    assert {"type": "company", "id": company["id"]} in run["shown"]
    assert {"type": "interaction", "id": said["id"]} in run["shown"]


def test_ask_with_the_real_tools_sees_only_its_own_org(
    client, tenant, other_tenant, crm, anthropic, admin_db
):
    name = marker("Zeta")
    ours = crm.company(name=name)
    theirs = Crm(client, other_tenant).company(name=name)
    anthropic.reply_with_tool("search_companies", {"query": name})
    run_id = ask(client, tenant, {"task": "ask", "instructions": f'Which companies are called "{name}"?'})
    process(tenant, run_id)
    first, second = sent(anthropic)
    assert first["messages"][0]["content"].count(name) >= 1
    (result,) = second["messages"][-1]["content"]
    assert result["type"] == "tool_result"
    assert ours["id"] in result["content"]
    assert theirs["id"] not in json.dumps(second)
    run = run_of(admin_db, run_id)
    assert run["status"] == "completed", run["error"]
    assert run["shown"] == [{"type": "company", "id": ours["id"]}]
    assert run["output"]["answer"].startswith("(local stand-in)")
    assert run["output"]["records"] == []  # the stand-in named a record it was never shown
