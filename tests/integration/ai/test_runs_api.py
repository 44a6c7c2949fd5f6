"""The AI runs API: asking for runs (validation against the task table, the subject as the caller
reads it, the monthly token budget), reading and listing them (members their own, admins all),
applying a next_actions run's suggestions once, usage and settings; the run queue fed from the
outbox through the event dispatch consumer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest
from hearth_dev.sam import events as sam_events
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from moto import mock_aws

from hearth import db, queues
from hearth.ai import budget, store
from hearth.ai.messages import AiRunMessage
from hearth.outbox import channels
from hearth.settings import settings
from tests.conftest import ROOT
from tests.integration.crm.builders import Crm

RUNS = "/v1/ai/runs"


@pytest.fixture
def crm(client, tenant) -> Crm:
    return Crm(client, tenant)


def _ask(client, who, body: dict[str, Any], **kw: Any):
    auth = who.key_auth if hasattr(who, "key_auth") else who.auth
    return client.post(RUNS, auth=auth, json_body=body, **kw)


def _runs(admin_db, org_id: str) -> list[dict[str, Any]]:
    return admin_db.execute(
        "SELECT * FROM ai_runs WHERE org_id = %s ORDER BY created_at", (org_id,)
    ).fetchall()


def _events(admin_db, org_id: str, type_: str) -> list[dict[str, Any]]:
    return admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = %s ORDER BY occurred_at", (org_id, type_)
    ).fetchall()


def _audit(admin_db, org_id: str, action: str) -> list[dict[str, Any]]:
    return admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = %s ORDER BY seq", (org_id, action)
    ).fetchall()


def _finish(org_id: str, run_id: str, output: dict[str, Any], tokens: int = 0) -> None:
    """What the AI worker does with a run: claim it, finish it completed, record its tokens."""
    with db.tenant_transaction(org_id) as conn:
        assert store.claim(conn, uuid.UUID(run_id)) is not None
        done = store.finish(
            conn,
            uuid.UUID(run_id),
            status="completed",
            output=output,
            usage={"input_tokens": tokens, "output_tokens": 0},
            stop_reason="end_turn",
            shown=[{"type": "deal", "id": run_id}],
        )
        assert done is not None
        budget.record(conn, org_id, uuid.UUID(run_id), tokens)


# -- asking ------------------------------------------------------------------------------------


def test_a_run_is_queued_announced_and_audited(client, tenant, crm, admin_db):
    deal = crm.deal()
    asked = _ask(client, tenant, {"task": "summarize", "subject": {"type": "deal", "id": deal["id"]}})
    assert asked.status == 202, asked.body
    run = asked.json()
    assert run["status"] == "queued"
    assert run["task"] == "summarize"
    assert run["subject"] == {"type": "deal", "id": deal["id"]}
    assert run["user_id"] == tenant.owner.user_id  # the key acts for its creator
    assert (run["output"], run["usage"], run["error"], run["shown"], run["applied"]) == (
        None,
        None,
        None,
        [],
        {},
    )
    assert asked.header("location") == f"{RUNS}/{run['id']}"
    [event] = _events(admin_db, tenant.org_id, "ai.run.queued")
    assert (event["resource_type"], event["resource_id"]) == ("ai_run", run["id"])
    [audited] = _audit(admin_db, tenant.org_id, "ai_run.create")
    assert audited["changes"]["task"] == "summarize"
    got = client.get(f"{RUNS}/{run['id']}", auth=tenant.key_auth)
    assert got.status == 200
    assert got.json() == run


def test_instructions_are_stored_but_never_audited_or_announced(client, tenant, admin_db):
    secret = f"Who emailed {uuid.uuid4().hex}@example.com?"
    asked = _ask(client, tenant, {"task": "ask", "instructions": secret})
    assert asked.status == 202, asked.body
    assert asked.json()["instructions"] == secret
    [event] = _events(admin_db, tenant.org_id, "ai.run.queued")
    [audited] = _audit(admin_db, tenant.org_id, "ai_run.create")
    assert secret not in json.dumps(event["payload"]) + json.dumps(audited["changes"])
    assert audited["changes"]["has_instructions"] is True


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"task": "summarize"}, "subject", "required"),
        (
            {"task": "draft_reply", "subject": {"type": "deal", "id": "DEAL"}},
            "subject.type",
            "unsupported_subject",
        ),
        ({"task": "next_actions", "subject": {"type": "company", "id": "COMPANY"}}, "subject.type", None),
        ({"task": "ask"}, "instructions", "required"),
        ({"task": "summarize", "subject": {"type": "deal", "id": str(uuid.uuid4())}}, "subject.id", None),
        ({"task": "translate", "subject": {"type": "deal", "id": "DEAL"}}, "task", None),
        ({"task": "summarize", "subject": {"type": "deal", "id": "DEAL"}, "model": "x"}, "model", None),
        ({"task": "ask", "instructions": "   "}, "instructions", None),
    ],
)
def test_invalid_runs_are_422_and_change_nothing(client, tenant, crm, admin_db, body, field, code):
    deal, company = crm.deal(), crm.company()
    text = json.dumps(body).replace("DEAL", deal["id"]).replace("COMPANY", company["id"])
    refused = _ask(client, tenant, json.loads(text))
    assert refused.status == 422, refused.body
    fields = {e["field"]: e["code"] for e in refused.json()["errors"]}
    assert field in fields, fields
    if code:
        assert fields[field] == code
    assert _runs(admin_db, tenant.org_id) == []
    assert _events(admin_db, tenant.org_id, "ai.run.queued") == []


def test_a_subject_of_another_org_is_not_found(client, tenant, other_tenant, admin_db):
    theirs = Crm(client, other_tenant).deal()
    refused = _ask(client, tenant, {"task": "summarize", "subject": {"type": "deal", "id": theirs["id"]}})
    assert refused.status == 422, refused.body
    assert refused.json()["errors"][0] == {
        **refused.json()["errors"][0],
        "field": "subject.id",
        "code": "reference_not_found",
    }
    assert theirs["name"] not in refused.body.decode()
    assert _runs(admin_db, tenant.org_id) == []


def test_a_deleted_subject_is_not_found(client, tenant, crm, admin_db):
    deal = crm.deal()
    assert client.delete(f"/v1/deals/{deal['id']}", auth=tenant.key_auth).status == 204
    refused = _ask(client, tenant, {"task": "summarize", "subject": {"type": "deal", "id": deal["id"]}})
    assert refused.status == 422
    assert _runs(admin_db, tenant.org_id) == []


# -- the budget ----------------------------------------------------------------------------------


@pytest.fixture
def allowance(monkeypatch) -> Iterator[Any]:
    def set_(default: int, by_plan: dict[str, int] | None = None) -> None:
        monkeypatch.setenv("HEARTH_AI_MONTHLY_TOKENS", str(default))
        monkeypatch.setenv("HEARTH_AI_MONTHLY_TOKENS_BY_PLAN", json.dumps(by_plan or {}))
        settings.cache_clear()

    yield set_
    monkeypatch.delenv("HEARTH_AI_MONTHLY_TOKENS", raising=False)
    monkeypatch.delenv("HEARTH_AI_MONTHLY_TOKENS_BY_PLAN", raising=False)
    settings.cache_clear()


def test_a_spent_allowance_is_402_and_changes_nothing(client, tenant, admin_db, allowance):
    allowance(1000)
    first = _ask(client, tenant, {"task": "ask", "instructions": "Which deals stall?"})
    assert first.status == 202
    _finish(tenant.org_id, first.json()["id"], {"answer": "None.", "records": []}, tokens=999)
    second = _ask(client, tenant, {"task": "ask", "instructions": "And now?"})
    assert second.status == 202  # one token left: still allowed
    _finish(tenant.org_id, second.json()["id"], {"answer": "Still none.", "records": []}, tokens=5)
    refused = _ask(client, tenant, {"task": "ask", "instructions": "And now?"})
    assert refused.status == 402, refused.body
    problem = refused.json()
    assert (problem["code"], problem["type"]) == ("quota_exceeded", "urn:hearth:problem:quota_exceeded")
    assert refused.header("content-type") == "application/problem+json"
    assert len(_runs(admin_db, tenant.org_id)) == 2
    assert len(_events(admin_db, tenant.org_id, "ai.run.queued")) == 2
    usage = client.get("/v1/ai/usage", auth=tenant.key_auth).json()
    assert (usage["tokens_used"], usage["tokens_limit"], usage["tokens_remaining"]) == (1004, 1000, 0)
    # The plan decides: a plan with a larger allowance asks again.
    admin_db.execute("UPDATE orgs SET plan = 'pro' WHERE id = %s", (tenant.org_id,))
    allowance(1000, {"pro": 5000})
    assert _ask(client, tenant, {"task": "ask", "instructions": "And now?"}).status == 202


def test_usage_is_recorded_once_per_run_and_totalled_by_month(client, tenant, admin_db):
    run = _ask(client, tenant, {"task": "ask", "instructions": "Hello?"}).json()
    _finish(tenant.org_id, run["id"], {"answer": "Hi.", "records": []}, tokens=120)
    with db.tenant_transaction(tenant.org_id) as conn:
        assert budget.record(conn, tenant.org_id, uuid.UUID(run["id"]), 500) is False
        assert budget.remaining(conn, tenant.org_id) == settings().ai_monthly_tokens - 120
    usage = client.get("/v1/ai/usage", auth=tenant.key_auth).json()
    assert usage["tokens_used"] == 120
    assert [(r["run_id"], r["tokens"], r["task"]) for r in usage["runs"]] == [(run["id"], 120, "ask")]
    assert usage["previous_months"] == []
    month = admin_db.execute("SELECT * FROM ai_usage_months WHERE org_id = %s", (tenant.org_id,)).fetchall()
    assert [(m["tokens"], m["runs"]) for m in month] == [(120, 1)]
    # A month's total only grows, even for the app role that keeps it.
    with pytest.raises(psycopg.errors.CheckViolation), db.tenant_transaction(tenant.org_id) as conn:
        conn.execute("UPDATE ai_usage_months SET tokens = 0")


# -- who sees what -------------------------------------------------------------------------------


@pytest.fixture
def staff(client, tenant):
    return {role: client.add_member(tenant, role) for role in ("admin", "member", "viewer")}


def test_roles(client, tenant, staff, crm):
    deal = crm.deal()
    body = {"task": "next_actions", "subject": {"type": "deal", "id": deal["id"]}}
    org = tenant.org_id
    member, other, viewer, admin = (
        staff["member"],
        client.add_member(tenant, "member"),
        staff["viewer"],
        staff["admin"],
    )
    refused = client.post(RUNS, auth=viewer.auth, org=org, json_body=body)
    assert refused.status == 403
    assert refused.json()["code"] == "permission_denied"
    assert client.get(RUNS, auth=viewer.auth, org=org).status == 403
    mine = client.post(RUNS, auth=member.auth, org=org, json_body=body)
    assert mine.status == 202, mine.body
    assert mine.json()["user_id"] == member.user_id
    theirs = client.post(RUNS, auth=other.auth, org=org, json_body=body).json()
    # A member lists and reads their own runs only; another member's run is not found.
    listed = client.get(RUNS, auth=member.auth, org=org).json()["data"]
    assert [r["id"] for r in listed] == [mine.json()["id"]]
    assert client.get(f"{RUNS}/{theirs['id']}", auth=member.auth, org=org).status == 404
    assert client.get(f"{RUNS}/{mine.json()['id']}", auth=member.auth, org=org).status == 200
    # Admins see every run of the org.
    everyone = client.get(RUNS, auth=admin.auth, org=org).json()["data"]
    assert {r["id"] for r in everyone} == {mine.json()["id"], theirs["id"]}
    assert client.get(f"{RUNS}/{theirs['id']}", auth=admin.auth, org=org).status == 200
    # The list syntax: by task, status and requester.
    by_user = client.get(RUNS, auth=admin.auth, org=org, query=f"filter[user_id]={other.user_id}").json()
    assert [r["id"] for r in by_user["data"]] == [theirs["id"]]
    none = client.get(RUNS, auth=admin.auth, org=org, query="filter[status]=completed").json()
    assert none["data"] == []
    bad = client.get(RUNS, auth=admin.auth, org=org, query="filter[output][eq]=x")
    assert bad.status == 422
    assert bad.json()["errors"][0]["code"] == "unknown_filter_field"
    # Usage: members see the org's total and their own runs.
    _finish(org, mine.json()["id"], {"actions": []}, tokens=10)
    _finish(org, theirs["id"], {"actions": []}, tokens=20)
    usage = client.get("/v1/ai/usage", auth=member.auth, org=org).json()
    assert usage["tokens_used"] == 30
    assert [r["run_id"] for r in usage["runs"]] == [mine.json()["id"]]
    usage = client.get("/v1/ai/usage", auth=admin.auth, org=org).json()
    assert {r["run_id"] for r in usage["runs"]} == {mine.json()["id"], theirs["id"]}
    assert client.get("/v1/ai/usage", auth=viewer.auth, org=org).status == 403


# -- apply ----------------------------------------------------------------------------------------

ACTIONS = {
    "actions": [
        {
            "action": "Call the buyer",
            "why": "No reply in two weeks.",
            "task": {"title": "Call the buyer", "description": "Ask about the budget.", "priority": "high"},
        },
        {
            "action": "Send the proposal",
            "why": "They asked for it.",
            "task": {"title": "Send the proposal", "due_date": "2030-01-15"},
        },
        {"action": "Celebrate", "why": "Why not.", "task": {"title": ""}},
    ]
}


def _completed_next_actions(client, tenant, who, deal_id: str) -> dict[str, Any]:
    auth = who.key_auth if hasattr(who, "key_auth") else who.auth
    run = client.post(
        RUNS,
        auth=auth,
        org=tenant.org_id,
        json_body={"task": "next_actions", "subject": {"type": "deal", "id": deal_id}},
    ).json()
    _finish(tenant.org_id, run["id"], ACTIONS)
    return run


def _tasks(admin_db, org_id: str) -> list[dict[str, Any]]:
    return admin_db.execute("SELECT * FROM tasks WHERE org_id = %s ORDER BY created_at", (org_id,)).fetchall()


def test_apply_creates_the_chosen_tasks_once(client, tenant, crm, admin_db):
    deal = crm.deal()
    run = _completed_next_actions(client, tenant, tenant, deal["id"])
    path = f"{RUNS}/{run['id']}/apply"
    applied = client.post(path, auth=tenant.key_auth, json_body={"actions": [0]})
    assert applied.status == 200, applied.body
    [first] = applied.json()["actions"]
    assert (first["index"], first["created"]) == (0, True)
    task = client.get(f"/v1/tasks/{first['task_id']}", auth=tenant.key_auth).json()
    assert (task["title"], task["body"], task["priority"]) == (
        "Call the buyer",
        "Ask about the budget.",
        "high",
    )
    assert task["links"] == [{"type": "deal", "id": deal["id"]}]
    assert task["created_by"] == tenant.owner.user_id
    assert task["assignee_id"] is None
    # Again, with another one: the first is answered, not created twice.
    again = client.post(path, auth=tenant.key_auth, json_body={"actions": [1, 0, 1]})
    assert again.status == 200, again.body
    assert [(a["index"], a["created"]) for a in again.json()["actions"]] == [(1, True), (0, False)]
    assert again.json()["actions"][1]["task_id"] == first["task_id"]
    assert len(_tasks(admin_db, tenant.org_id)) == 2
    stored = client.get(f"{RUNS}/{run['id']}", auth=tenant.key_auth).json()["applied"]
    assert stored == {"0": first["task_id"], "1": again.json()["actions"][0]["task_id"]}
    # Audited as the user: the tasks and the applies.
    audits = _audit(admin_db, tenant.org_id, "ai_run.apply")
    assert [a["changes"]["actions"] for a in audits] == [[0], [1]]
    assert {a["actor_id"] for a in _audit(admin_db, tenant.org_id, "task.create")} == {tenant.api_key_id}
    assert len(_events(admin_db, tenant.org_id, "task.created")) == 2
    # Replaying an action already applied changes nothing at all.
    before = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert client.post(path, auth=tenant.key_auth, json_body={"actions": [0, 1]}).status == 200
    after = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert before == after


@pytest.mark.parametrize(
    ("actions", "code"), [([7], "no_such_action"), ([0, 2], "invalid_suggestion"), ([], None), ([-1], None)]
)
def test_bad_applies_are_422_and_create_nothing(client, tenant, crm, admin_db, actions, code):
    run = _completed_next_actions(client, tenant, tenant, crm.deal()["id"])
    refused = client.post(f"{RUNS}/{run['id']}/apply", auth=tenant.key_auth, json_body={"actions": actions})
    assert refused.status == 422, refused.body
    if code:
        assert refused.json()["errors"][0]["code"] == code
    assert _tasks(admin_db, tenant.org_id) == []
    assert client.get(f"{RUNS}/{run['id']}", auth=tenant.key_auth).json()["applied"] == {}


def test_only_completed_next_actions_runs_apply(client, tenant, crm, admin_db):
    deal = crm.deal()
    queued = _ask(
        client, tenant, {"task": "next_actions", "subject": {"type": "deal", "id": deal["id"]}}
    ).json()
    refused = client.post(f"{RUNS}/{queued['id']}/apply", auth=tenant.key_auth, json_body={"actions": [0]})
    assert (refused.status, refused.json()["code"]) == (409, "run_not_completed")
    summary = _ask(
        client, tenant, {"task": "summarize", "subject": {"type": "deal", "id": deal["id"]}}
    ).json()
    _finish(tenant.org_id, summary["id"], {"summary": "Fine.", "key_points": []})
    refused = client.post(f"{RUNS}/{summary['id']}/apply", auth=tenant.key_auth, json_body={"actions": [0]})
    assert (refused.status, refused.json()["code"]) == (409, "not_applicable")
    assert _tasks(admin_db, tenant.org_id) == []


def test_members_apply_their_own_runs_admins_any(client, tenant, staff, crm, admin_db):
    deal = crm.deal()
    member, admin, viewer = staff["member"], staff["admin"], staff["viewer"]
    owners = _completed_next_actions(client, tenant, tenant, deal["id"])
    mine = _completed_next_actions(client, tenant, member, deal["id"])
    org = tenant.org_id
    hidden = client.post(
        f"{RUNS}/{owners['id']}/apply", auth=member.auth, org=org, json_body={"actions": [0]}
    )
    assert hidden.status == 404
    assert (
        client.post(
            f"{RUNS}/{mine['id']}/apply", auth=viewer.auth, org=org, json_body={"actions": [0]}
        ).status
        == 403
    )
    assert _tasks(admin_db, org) == []
    done = client.post(f"{RUNS}/{mine['id']}/apply", auth=member.auth, org=org, json_body={"actions": [0]})
    assert done.status == 200
    task = _tasks(admin_db, org)[0]
    assert str(task["created_by"]) == member.user_id  # as the member, not as whoever asked
    by_admin = client.post(
        f"{RUNS}/{owners['id']}/apply", auth=admin.auth, org=org, json_body={"actions": [1]}
    )
    assert by_admin.status == 200
    assert str(_tasks(admin_db, org)[1]["created_by"]) == admin.user_id


# -- settings -------------------------------------------------------------------------------------


def test_settings_default_to_redacting_everything_and_admins_change_them(client, tenant, staff, admin_db):
    org = tenant.org_id
    member, admin = staff["member"], staff["admin"]
    shown = client.get("/v1/ai/settings", auth=member.auth, org=org)
    assert shown.status == 200
    assert shown.json() == {
        "redact": ["email", "phone", "card", "iban", "national_id"],
        "updated_at": None,
        "version": 0,
    }
    assert client.get("/v1/ai/settings", auth=staff["viewer"].auth, org=org).status == 403
    refused = client.patch("/v1/ai/settings", auth=member.auth, org=org, json_body={"redact": []})
    assert refused.status == 403
    for bad in ({"redact": ["ssn"]}, {"redact": None}, {}, {"redact": "email"}):
        assert client.patch("/v1/ai/settings", auth=admin.auth, org=org, json_body=bad).status == 422, bad
    assert admin_db.execute("SELECT * FROM ai_settings WHERE org_id = %s", (org,)).fetchall() == []
    changed = client.patch(
        "/v1/ai/settings", auth=admin.auth, org=org, json_body={"redact": ["phone", "email", "phone"]}
    )
    assert changed.status == 200, changed.body
    assert changed.json()["redact"] == ["email", "phone"]
    assert changed.header("etag") == '"1"'
    with db.tenant_transaction(org) as conn:
        assert store.redaction_kinds(conn) == {"email", "phone"}
    stale = client.patch(
        "/v1/ai/settings", auth=admin.auth, org=org, json_body={"redact": []}, headers={"if-match": '"0"'}
    )
    assert stale.status == 412
    [audited] = _audit(admin_db, org, "ai_settings.update")
    assert audited["changes"]["redact"]["to"] == ["email", "phone"]
    nothing = client.patch(
        "/v1/ai/settings", auth=admin.auth, org=org, json_body={"redact": []}, headers={"if-match": '"1"'}
    )
    assert nothing.json()["redact"] == []
    with db.tenant_transaction(tenant.org_id) as conn:
        assert store.redaction_kinds(conn) == set()


# -- the worker's side of the store -------------------------------------------------------------


def test_claim_once_and_statuses_only_move_forward(client, tenant, admin_db):
    run_id = uuid.UUID(_ask(client, tenant, {"task": "ask", "instructions": "Q?"}).json()["id"])
    with db.tenant_transaction(tenant.org_id) as conn:
        claimed = store.claim(conn, run_id)
        assert claimed is not None
        assert (claimed["status"], claimed["started_at"] is not None) == ("running", True)
        assert store.claim(conn, run_id) is None
    with db.tenant_transaction(tenant.org_id) as conn:
        failed = store.finish(conn, run_id, status="failed", error={"code": "provider_error", "message": "x"})
        assert failed is not None
        assert failed["status"] == "failed"
        assert store.finish(conn, run_id, status="completed", output={}) is None
        assert store.claim(conn, run_id) is None
    with pytest.raises(Exception, match="cannot go from failed"):
        admin_db.execute("UPDATE ai_runs SET status = 'running' WHERE id = %s", (run_id,))
    # Another org's run is not claimed.
    other = uuid.UUID(_ask(client, tenant, {"task": "ask", "instructions": "Q?"}).json()["id"])
    with db.tenant_transaction(str(uuid.uuid4())) as conn:
        assert store.claim(conn, other) is None
    assert _runs(admin_db, tenant.org_id)[1]["status"] == "queued"


# -- the run queue ----------------------------------------------------------------------------------

TEMPLATE = load_template(ROOT)


@pytest.fixture
def sqs(monkeypatch, admin_db) -> Iterator[Any]:
    admin_db.execute("UPDATE domain_events SET published_at = now() WHERE published_at IS NULL")
    with mock_aws():
        queues.reset_client()
        client = boto3.client("sqs")
        urls = {
            n: client.create_queue(QueueName=f"hearth-ai-test-{n}")["QueueUrl"]
            for n in ("dispatch", "runs", "delivery")
        }
        monkeypatch.setenv("HEARTH_EVENT_DISPATCH_QUEUE_URL", urls["dispatch"])
        monkeypatch.setenv("HEARTH_AI_RUN_QUEUE_URL", urls["runs"])
        monkeypatch.setenv("HEARTH_WEBHOOK_DELIVERY_QUEUE_URL", urls["delivery"])
        settings.cache_clear()
        client.urls = urls  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            queues.reset_client()
            settings.cache_clear()


def _receive(sqs, name: str) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=sqs.urls[name], MaxNumberOfMessages=10, VisibilityTimeout=30).get(
        "Messages", []
    )


def _dispatch(messages: list[dict[str, Any]]) -> dict[str, Any]:
    arn = "arn:aws:sqs:us-east-1:123456789012:hearth-ai-test-dispatch"
    event = sam_events.sqs_event([sam_events.sqs_record(m, arn) for m in messages])
    return invoke(TEMPLATE.functions["EventDispatchFunction"], event)


def test_a_queued_run_reaches_the_run_queue_through_the_dispatch_consumer(client, tenant, sqs, monkeypatch):
    run = _ask(client, tenant, {"task": "ask", "instructions": "Q?"}).json()
    dispatched = _receive(sqs, "dispatch")
    assert len(dispatched) == 1
    assert _receive(sqs, "runs") == []  # nothing goes to the worker before the dispatch
    result = _dispatch(dispatched)
    assert result["batchItemFailures"] == []
    [message] = _receive(sqs, "runs")
    assert json.loads(message["Body"]) == {"org_id": tenant.org_id, "run_id": run["id"]}
    assert AiRunMessage.parse(message["Body"]) == AiRunMessage(uuid.UUID(tenant.org_id), uuid.UUID(run["id"]))
    # A queue that refuses the message fails the dispatch record: SQS delivers it again.
    monkeypatch.setenv("HEARTH_AI_RUN_QUEUE_URL", sqs.urls["runs"] + "-gone")
    settings.cache_clear()
    _ask(client, tenant, {"task": "ask", "instructions": "Again?"})
    again = _receive(sqs, "dispatch")
    failed = _dispatch(again)
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == [again[0]["MessageId"]]


def test_other_events_do_not_reach_the_run_queue(client, tenant, sqs):
    Crm(client, tenant).company()
    assert _dispatch(_receive(sqs, "dispatch"))["batchItemFailures"] == []
    assert _receive(sqs, "runs") == []


def test_the_channel_table_names_registered_events_and_the_dispatch_consumer_holds_its_needs():
    from hearth.events import types

    assert set(channels.CHANNELS) == {
        types.AI_RUN_QUEUED,
        types.GITHUB_ISSUE_SYNC_QUEUED,
        types.SMS_QUEUED,
        types.CALL_RECORDING_AVAILABLE,
        "task.created",
        "task.updated",
        "deal.won",
        "deal.lost",
        "note.created",
        "note.updated",
        types.INVITATION_CREATED,
        types.EXPORT_COMPLETED,
        types.EMAIL_QUEUED,
        types.EXPORT_REQUESTED,
        types.EMAIL_CAMPAIGN_QUEUED,
        "org.deletion_finalising",
    }
    dispatch = TEMPLATE.functions["EventDispatchFunction"]
    for queue in (
        "AI_RUN",
        "GITHUB_SYNC",
        "SMS_SEND",
        "RECORDING_COPY",
        "NOTIFICATION",
        "EMAIL_SEND",
        "EXPORT",
        "EMAIL_CAMPAIGN",
        "ORG_DELETION",
    ):
        assert f"HEARTH_{queue}_QUEUE_URL" in dispatch.environment, queue
    message = channels.WorkMessage(uuid.uuid4(), "run_id", uuid.uuid4())
    assert AiRunMessage.parse(message.body()) == AiRunMessage(message.org_id, message.resource_id)


# -- retention ------------------------------------------------------------------------------------


def test_runs_past_their_retention_are_erased_in_every_org(client, tenant, other_tenant, crm, admin_db):
    from datetime import timedelta

    from hearth import clock
    from hearth.lifecycle import purge
    from hearth.lifecycle.retention import policy

    kind = policy()["ai_run_content"]

    deal = crm.deal()
    old = _completed_next_actions(client, tenant, tenant, deal["id"])
    recent = _completed_next_actions(client, tenant, tenant, deal["id"])
    theirs = _ask(client, other_tenant, {"task": "ask", "instructions": "Their question?"}).json()
    _finish(other_tenant.org_id, theirs["id"], {"answer": "Theirs.", "records": []}, tokens=3)
    queued = _ask(client, tenant, {"task": "ask", "instructions": "Still waiting?"}).json()
    long_ago = clock.now() - timedelta(days=settings().ai_run_retention_days + 1)
    admin_db.execute(
        "UPDATE ai_runs SET created_at = %s, started_at = %s, finished_at = %s WHERE id = ANY(%s)",
        (long_ago, long_ago, long_ago, [old["id"], theirs["id"]]),
    )
    admin_db.execute("UPDATE ai_runs SET created_at = %s WHERE id = %s", (long_ago, queued["id"]))
    assert purge.run_kind(kind) >= 2
    for who, run_id in ((tenant, old["id"]), (other_tenant, theirs["id"])):
        erased = client.get(f"{RUNS}/{run_id}", auth=who.key_auth).json()
        assert (erased["instructions"], erased["output"], erased["shown"]) == (None, None, [])
        assert erased["purged_at"] is not None
        assert erased["status"] == "completed"  # the run, its usage and the ledger stay
    assert client.get("/v1/ai/usage", auth=other_tenant.key_auth).json()["tokens_used"] == 3
    kept = client.get(f"{RUNS}/{recent['id']}", auth=tenant.key_auth).json()
    assert (kept["output"], kept["purged_at"]) == (ACTIONS, None)
    waiting = client.get(f"{RUNS}/{queued['id']}", auth=tenant.key_auth).json()
    assert (waiting["instructions"], waiting["purged_at"]) == ("Still waiting?", None)
    refused = client.post(f"{RUNS}/{old['id']}/apply", auth=tenant.key_auth, json_body={"actions": [0]})
    assert (refused.status, refused.json()["code"]) == (409, "run_purged")
    assert purge.run_kind(kind) == 0
    # The hourly purge schedule runs the same job (as deployed: the system role, its sample event).
    fn = TEMPLATE.functions["PurgeExpiredFunction"]
    assert invoke(fn, json.loads(fn.sample_event.read_text()))["purged"]["ai_run_content"] == 0
