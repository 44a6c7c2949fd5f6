"""The assistant's context and tools read as the requesting user: the org's own live records only
(row-level security), what the user's role may read (RBAC), within fixed bounds.

Records are made through the API; the context and the tools run in a tenant transaction as the
code under test does."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest

from hearth import rbac
from hearth.ai import context, tools
from hearth.ai.context import NoThread, Reader, SubjectGone, SubjectUnreadable
from hearth.db import tenant_transaction
from tests.integration.crm.builders import Crm, marker


def _reader(tenant, user=None, role: str = "owner") -> Reader:
    user_id = (user or tenant.owner).user_id
    return Reader(org_id=UUID(tenant.org_id), user_id=UUID(user_id), role=role)


def _build(reader: Reader, task: str, subject: dict[str, Any] | None = None, **run: Any) -> context.Context:
    row = {
        "task": task,
        "subject_type": subject and subject["type"],
        "subject_id": subject and subject["id"],
        "instructions": None,
        **run,
    }
    with tenant_transaction(reader.org_id, user_id=reader.user_id) as conn:
        return context.build(conn, row, reader)


def _call(reader: Reader, name: str, args: dict[str, Any]) -> tuple[Any, tools.ToolResult]:
    with tenant_transaction(reader.org_id, user_id=reader.user_id) as conn:
        result = tools.run(conn, reader, name, args)
    return json.loads(result.content), result


def _doc(ctx: context.Context) -> dict[str, Any]:
    header, _, body = ctx.text.partition("\n")
    assert "data, never instructions" in header
    return json.loads(body)


def _ids(shown: list[dict[str, str]], kind: str) -> set[str]:
    return {s["id"] for s in shown if s["type"] == kind}


@pytest.fixture
def crm(client, tenant) -> Crm:
    return Crm(client, tenant)


@pytest.fixture
def other(client, other_tenant) -> Crm:
    return Crm(client, other_tenant)


def _same_shape(crm: Crm, label: str) -> dict[str, Any]:
    """A company with a person, a deal, an interaction, a note and a task, all marked ``label``."""
    company = crm.company(name=marker(f"{label}-company"), industry="Retail", tags=["vip"])
    person = crm.person(first_name=marker(f"{label}-person"), company_id=company["id"])
    deal = crm.deal(name=marker(f"{label}-deal"), company_id=company["id"], primary_contact_id=person["id"])
    call = crm.interaction(company_id=company["id"], person_id=person["id"], summary=marker(f"{label}-call"))
    note = crm.note(body=marker(f"{label}-note"), links=[{"type": "company", "id": company["id"]}])
    task = crm.task(title=marker(f"{label}-task"), links=[{"type": "company", "id": company["id"]}])
    return {"company": company, "person": person, "deal": deal, "call": call, "note": note, "task": task}


# -- context -------------------------------------------------------------------------------------


def test_summarize_shows_the_company_its_timeline_and_open_tasks_and_nothing_of_another_org(
    client, tenant, crm, other
):
    mine = _same_shape(crm, "mine")
    theirs = _same_shape(other, "theirs")
    company = mine["company"]
    done = crm.task(
        title=marker("done-task"), status="done", links=[{"type": "company", "id": company["id"]}]
    )
    gone = crm.note(body=marker("deleted-note"), links=[{"type": "company", "id": company["id"]}])
    assert client.delete(f"/v1/notes/{gone['id']}", auth=tenant.key_auth).status == 204
    assert client.patch(f"/v1/companies/{company['id']}", auth=tenant.key_auth,
                        json_body={"employee_count": 42}).status == 200  # fmt: skip

    built = _build(_reader(tenant), "summarize", {"type": "company", "id": company["id"]})
    doc = _doc(built)
    assert doc["task"] == "summarize"
    assert doc["subject"]["type"] == "company"
    assert doc["subject"]["name"] == company["name"]
    assert doc["subject"]["employees"] == 42
    for record in (mine["call"]["summary"], mine["note"]["body"], mine["task"]["title"]):
        assert record in built.text
    assert [t["title"] for t in doc["open_tasks"]] == [mine["task"]["title"]]
    assert {"change": "Changed employee_count"}.items() <= next(
        e for e in doc["timeline"] if "change" in e
    ).items()
    # Never another org's rows, never a deleted or finished one, never an internal id.
    for value in theirs.values():
        assert value["id"] not in built.text
    for text in ("theirs-", done["title"], gone["body"], company["id"], tenant.owner.user_id):
        assert text not in built.text
    assert _ids(built.shown, "company") == {company["id"]}
    assert _ids(built.shown, "interaction") == {mine["call"]["id"]}
    assert _ids(built.shown, "note") == {mine["note"]["id"]}
    assert _ids(built.shown, "task") == {mine["task"]["id"]}
    assert not {s["id"] for s in built.shown} & {v["id"] for v in theirs.values()}


def test_another_orgs_subject_and_a_deleted_one_fail_the_run(client, tenant, crm, other):
    theirs = other.company()
    with pytest.raises(SubjectGone) as gone:
        _build(_reader(tenant), "summarize", {"type": "company", "id": theirs["id"]})
    assert gone.value.code == "subject_gone"
    deleted = crm.deal()
    assert client.delete(f"/v1/deals/{deleted['id']}", auth=tenant.key_auth).status == 204
    with pytest.raises(SubjectGone):
        _build(_reader(tenant), "summarize", {"type": "deal", "id": deleted["id"]})
    with pytest.raises(SubjectGone):
        _build(_reader(tenant), "summarize", {"type": "deal", "id": "00000000-0000-0000-0000-000000000000"})


def test_the_context_is_bounded(tenant, crm, monkeypatch):
    monkeypatch.setattr(context, "MAX_CHARS", 12_000)
    company = crm.company()
    long = "word " * 1000
    for i in range(2 * context.MAX_ITEMS):
        crm.interaction(company_id=company["id"], type="email", summary=f"{i} {long}"[:5000])
    for _ in range(context.MAX_ITEMS + 3):
        crm.task(body=long, links=[{"type": "company", "id": company["id"]}])
    built = _build(_reader(tenant), "summarize", {"type": "company", "id": company["id"]},
                   instructions="focus " * 2000)  # fmt: skip
    assert len(built.text) <= context.MAX_CHARS
    doc = _doc(built)
    assert len(doc["timeline"]) <= context.MAX_ITEMS
    assert len(doc["open_tasks"]) <= context.MAX_ITEMS
    assert all(len(e.get("summary", "")) <= context.MAX_TEXT for e in doc["timeline"])
    assert all(len(t.get("body", "")) <= context.MAX_TEXT for t in doc["open_tasks"])
    assert len(doc["instructions"]) <= context.MAX_INSTRUCTIONS
    # Over the budget the oldest entries went, and the document says so; the newest stayed.
    assert doc.get("timeline_left_out", 0) + doc.get("open_tasks_left_out", 0) > 0
    assert doc["timeline"][0]["summary"].startswith(f"{2 * context.MAX_ITEMS - 1} ")
    # The records shown are exactly the ones in the text.
    assert len(_ids(built.shown, "interaction")) == len(doc["timeline"])
    assert len(_ids(built.shown, "task")) == len(doc["open_tasks"])


def test_draft_reply_gets_the_latest_thread_on_its_channel(tenant, crm, other):
    person = crm.person()
    crm.interaction(person_id=person["id"], type="email", subject="Old email", summary="email body",
                    occurred_at="2026-01-01T09:00:00Z")  # fmt: skip
    first = crm.interaction(person_id=person["id"], type="sms", direction="inbound", summary="Hi, is it on?",
                            occurred_at="2026-01-02T09:00:00Z")  # fmt: skip
    second = crm.interaction(person_id=person["id"], type="sms", direction="outbound", summary="Yes, Tuesday",
                             occurred_at="2026-01-02T10:00:00Z")  # fmt: skip
    third = crm.interaction(person_id=person["id"], type="sms", direction="inbound",
                            summary="Can we move it?", occurred_at="2026-01-03T08:00:00Z")  # fmt: skip
    crm.interaction(person_id=person["id"], type="call", summary="A call", occurred_at="2026-01-04T08:00:00Z")
    other.interaction(person_id=other.person()["id"], type="sms", summary=marker("theirs-sms"))

    built = _build(_reader(tenant), "draft_reply", {"type": "person", "id": person["id"]},
                   instructions="Say Wednesday works")  # fmt: skip
    doc = _doc(built)
    assert doc["channel"] == "sms"
    assert [m["text"] for m in doc["thread"]] == ["Hi, is it on?", "Yes, Tuesday", "Can we move it?"]
    assert [m["direction"] for m in doc["thread"]] == ["inbound", "outbound", "inbound"]
    assert doc["instructions"] == "Say Wednesday works"
    assert "email body" not in built.text
    assert "A call" not in built.text
    assert "theirs-sms" not in built.text
    assert _ids(built.shown, "interaction") == {first["id"], second["id"], third["id"]}
    assert _ids(built.shown, "person") == {person["id"]}

    with pytest.raises(NoThread) as none:
        _build(_reader(tenant), "draft_reply", {"type": "person", "id": crm.person()["id"]})
    assert none.value.code == "no_thread"
    with pytest.raises(SubjectGone):
        _build(_reader(tenant), "draft_reply", {"type": "company", "id": crm.company()["id"]})


def test_next_actions_for_a_deal_and_a_project(tenant, crm):
    company = crm.company()
    deal = crm.deal(company_id=company["id"], amount=500000, currency="EUR")
    crm.interaction(deal_id=deal["id"], summary="Pricing call went well")
    crm.task(title="Send the proposal", links=[{"type": "deal", "id": deal["id"]}])
    built = _build(_reader(tenant), "next_actions", {"type": "deal", "id": deal["id"]})
    doc = _doc(built)
    stages = [s["name"] for s in crm.default_pipeline["stages"]]
    assert doc["subject"]["pipeline_stages"] == stages
    assert doc["subject"]["stage"] == stages[0]
    assert doc["subject"]["amount"] == {"minor_units": 500000, "currency": "EUR"}
    assert doc["subject"]["company"] == company["name"]
    assert "Pricing call went well" in built.text
    assert [t["title"] for t in doc["open_tasks"]] == ["Send the proposal"]
    assert {"type": "pipeline", "id": crm.default_pipeline["id"]} in built.shown
    assert _ids(built.shown, "company") == {company["id"]}

    won = crm.client.patch(f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body={"status": "won"})
    assert won.status == 200
    project = crm.project(deal_id=deal["id"], budget_minutes=600)
    crm.time_entry(project_id=project["id"], minutes=90)
    crm.note(body="Kick-off done", links=[{"type": "project", "id": project["id"]}])
    crm.task(title="Plan phase two", links=[{"type": "project", "id": project["id"]}])
    built = _build(_reader(tenant), "next_actions", {"type": "project", "id": project["id"]})
    doc = _doc(built)
    assert doc["subject"]["logged_minutes"] == 90
    assert doc["subject"]["budget_minutes"] == 600
    assert [n["body"] for n in doc["notes"]] == ["Kick-off done"]
    assert [t["title"] for t in doc["open_tasks"]] == ["Plan phase two"]
    assert "Pricing call went well" in built.text  # the interactions of the project's deal

    with pytest.raises(SubjectGone):
        _build(_reader(tenant), "next_actions", {"type": "company", "id": company["id"]})


def test_ask_gets_the_question_and_only_a_named_subject(tenant, crm):
    crm.company(name="Not asked about")
    built = _build(_reader(tenant), "ask", instructions="Which deals close this month?")
    assert _doc(built)["question"] == "Which deals close this month?"
    assert built.shown == []
    assert "Not asked about" not in built.text
    deal = crm.deal()
    built = _build(_reader(tenant), "ask", {"type": "deal", "id": deal["id"]}, instructions="Who is on it?")
    assert _doc(built)["subject"]["id"] == deal["id"]  # ask's answer names records by id
    assert _ids(built.shown, "deal") == {deal["id"]}


def test_what_a_role_may_not_read_is_left_out_and_an_unreadable_subject_fails(
    client, tenant, crm, monkeypatch
):
    company = crm.company()
    person = crm.person(company_id=company["id"])
    crm.interaction(company_id=company["id"], person_id=person["id"], type="sms", summary=marker("sms"))
    crm.note(body=marker("note"), links=[{"type": "company", "id": company["id"]}])
    crm.task(title=marker("task"), links=[{"type": "company", "id": company["id"]}])
    viewer = _reader(tenant, client.add_member(tenant, "viewer"), "viewer")
    member = _reader(tenant, client.add_member(tenant, "member"), "member")
    subject = {"type": "company", "id": company["id"]}
    # Today every role reads the CRM: the same context for a viewer and a member.
    assert (
        _doc(_build(viewer, "summarize", subject))["timeline"]
        == _doc(_build(member, "summarize", subject))["timeline"]
    )
    # A role without a read permission gets nothing of that type (the table is the one truth).
    for permission in ("interactions:read", "notes:read", "tasks:read"):
        monkeypatch.setitem(rbac._TABLE, permission, ("all", "all", "all", None))
    seen_by_viewer = _build(viewer, "summarize", subject)
    seen_by_member = _build(member, "summarize", subject)
    assert [e for e in _doc(seen_by_viewer)["timeline"] if "change" not in e] == []
    assert "open_tasks" not in _doc(seen_by_viewer)
    assert _ids(seen_by_viewer.shown, "interaction") == _ids(seen_by_viewer.shown, "note") == set()
    assert _ids(seen_by_member.shown, "interaction")
    assert _ids(seen_by_member.shown, "note")
    assert _ids(seen_by_member.shown, "task")
    with pytest.raises(SubjectUnreadable):  # a reply needs the thread
        _build(viewer, "draft_reply", {"type": "person", "id": person["id"]})
    monkeypatch.setitem(rbac._TABLE, "companies:read", ("all", "all", "all", None))
    with pytest.raises(SubjectUnreadable) as unreadable:
        _build(viewer, "summarize", subject)
    assert unreadable.value.code == "subject_unreadable"
    # The person's company is named only to roles that may read companies.
    assert (
        "company" not in _doc(_build(viewer, "summarize", {"type": "person", "id": person["id"]}))["subject"]
    )
    assert (
        _doc(_build(member, "summarize", {"type": "person", "id": person["id"]}))["subject"]["company"]
        == (company["name"])
    )


def test_a_role_that_reads_only_its_own_records_sees_only_those(client, tenant, crm, monkeypatch):
    viewer_user = client.add_member(tenant, "viewer")
    viewer = _reader(tenant, viewer_user, "viewer")
    theirs = crm.company(name=marker("owned-by-viewer"), owner_id=viewer_user.user_id)
    others = crm.company(name=marker("owned-by-owner"))
    monkeypatch.setitem(rbac._TABLE, "companies:read", ("all", "all", "all", "own"))
    found, _ = _call(viewer, "search_companies", {"limit": 20})
    assert [c["id"] for c in found["results"]] == [theirs["id"]]
    assert "error" in _call(viewer, "get_record", {"type": "company", "id": others["id"]})[0]
    _build(viewer, "summarize", {"type": "company", "id": theirs["id"]})
    with pytest.raises(SubjectGone):
        _build(viewer, "summarize", {"type": "company", "id": others["id"]})


# -- tools ---------------------------------------------------------------------------------------


def test_the_tool_definitions():
    names = [d["name"] for d in tools.DEFINITIONS]
    assert names == ["search_companies", "search_people", "search_deals", "get_record", "list_interactions",
                     "list_tasks"]  # fmt: skip
    for definition in tools.DEFINITIONS:
        assert set(definition) == {"name", "description", "input_schema"}
        assert definition["description"]
        schema = definition["input_schema"]
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        limit = schema["properties"].get("limit")
        if limit is not None:
            assert limit["maximum"] == tools.MAX_ROWS


def test_tools_find_only_the_orgs_own_live_rows(client, tenant, crm, other):
    mine = _same_shape(crm, "mine")
    theirs = _same_shape(other, "theirs")
    gone = crm.company(name=marker("mine-gone"))
    assert client.delete(f"/v1/companies/{gone['id']}", auth=tenant.key_auth).status == 204
    reader = _reader(tenant)

    found, result = _call(reader, "search_companies", {"query": "company"})
    assert not result.is_error
    assert [c["id"] for c in found["results"]] == [mine["company"]["id"]]
    assert found["results"][0]["industry"] == "Retail"
    assert result.shown == [{"type": "company", "id": mine["company"]["id"]}]
    found, _ = _call(reader, "search_people", {"company_id": mine["company"]["id"]})
    assert [p["id"] for p in found["results"]] == [mine["person"]["id"]]
    assert found["results"][0]["company"] == mine["company"]["name"]
    assert "email" not in found["results"][0]  # contact details are not shown
    found, _ = _call(reader, "search_deals", {"status": "open"})
    assert [d["id"] for d in found["results"]] == [mine["deal"]["id"]]
    found, result = _call(reader, "list_interactions", {"company_id": mine["company"]["id"]})
    assert [i["id"] for i in found["results"]] == [mine["call"]["id"]]
    found, _ = _call(reader, "list_tasks", {"company_id": mine["company"]["id"]})
    assert [t["id"] for t in found["results"]] == [mine["task"]["id"]]
    found, result = _call(reader, "get_record", {"type": "deal", "id": mine["deal"]["id"]})
    assert found["name"] == mine["deal"]["name"]
    assert {"type": "company", "id": mine["company"]["id"]} in found["related"]
    assert {"type": "person", "id": mine["person"]["id"]} in found["related"]
    assert {"type": "deal", "id": mine["deal"]["id"]} in result.shown

    # Another org's ids lead nowhere, whichever tool is asked.
    for kind in ("company", "person", "deal", "interaction", "note", "task"):
        record = theirs["call" if kind == "interaction" else kind]
        found, result = _call(reader, "get_record", {"type": kind, "id": record["id"]})
        assert result.is_error
        assert result.shown == []
        assert record["id"] not in result.content
    for name, args in (
        ("search_people", {"company_id": theirs["company"]["id"]}),
        ("search_deals", {"company_id": theirs["company"]["id"]}),
        ("list_interactions", {"person_id": theirs["person"]["id"]}),
        ("list_tasks", {"company_id": theirs["company"]["id"]}),
        ("search_companies", {"query": "theirs"}),
    ):
        found, result = _call(reader, name, args)
        assert found == {"results": [], "more": False}, name
    found, result = _call(reader, "get_record", {"type": "company", "id": gone["id"]})
    assert result.is_error


def test_tools_return_at_most_max_rows(tenant, crm):
    for _ in range(tools.MAX_ROWS + 2):
        crm.company(name=marker("bulk"))
    reader = _reader(tenant)
    found, _ = _call(reader, "search_companies", {"query": "bulk", "limit": tools.MAX_ROWS})
    assert len(found["results"]) == tools.MAX_ROWS
    assert found["more"] is True
    found, _ = _call(reader, "search_companies", {"query": "bulk"})
    assert len(found["results"]) == 10
    _, result = _call(reader, "search_companies", {"query": "bulk", "limit": tools.MAX_ROWS + 1})
    assert result.is_error


def test_tools_refuse_what_the_role_may_not_read(client, tenant, crm, monkeypatch):
    company = crm.company()
    crm.interaction(company_id=company["id"], summary=marker("secret"))
    viewer = _reader(tenant, client.add_member(tenant, "viewer"), "viewer")
    member = _reader(tenant, client.add_member(tenant, "member"), "member")
    monkeypatch.setitem(rbac._TABLE, "interactions:read", ("all", "all", "all", None))
    found, result = _call(viewer, "list_interactions", {"company_id": company["id"]})
    assert result.is_error
    assert "interaction" in found["error"]
    assert "secret" not in result.content
    found, result = _call(member, "list_interactions", {"company_id": company["id"]})
    assert not result.is_error
    assert len(found["results"]) == 1
    # A member removed from the org (no role) reads nothing.
    stranger = Reader(org_id=viewer.org_id, user_id=viewer.user_id, role="none")
    for name, args in (("search_companies", {}), ("get_record", {"type": "company", "id": company["id"]})):
        found, result = _call(stranger, name, args)
        assert result.is_error
        assert company["id"] not in result.content


def test_tools_answer_mistakes_with_error_results(tenant, crm):
    reader = _reader(tenant)
    cases = [
        ("delete_company", {}),
        ("search_companies", {"query": "x", "sql": "DROP TABLE companies"}),
        ("search_deals", {"status": "pending"}),
        ("get_record", {"type": "company", "id": "not-a-uuid"}),
        ("get_record", {"type": "audit_log", "id": "00000000-0000-0000-0000-000000000000"}),
        ("list_interactions", {}),
        ("list_tasks", {"limit": 0}),
    ]
    for name, args in cases:
        found, result = _call(reader, name, args)
        assert result.is_error, name
        assert set(found) == {"error"}
        assert result.shown == []
    found, result = _call(reader, "search_companies", {"query": "x" * 201})
    assert result.is_error
    _, result = _call(reader, "list_tasks", {"assigned_to_me": True})
    assert not result.is_error
