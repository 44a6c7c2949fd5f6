"""Campaigns: POST /v1/email/campaigns stores the campaign and one event and makes no email; the
campaign worker expands it a chunk at a time into queued emails (one per person, suppressed and
address-less people skipped and counted), resumable at its cursor and never twice per
(campaign, person); the emails go through the sender as marketing email (List-Unsubscribe);
GET shows the counts; the plan's allowance is checked for the whole audience; bad input is a
problem and changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hearth.email.campaigns import worker
from hearth.email.campaigns.worker import CampaignMessage
from hearth.outbox import channels
from tests.integration.email.helpers import count, new_address
from tests.integration.email.moto_ses import sending_domain

CAMPAIGNS = "/v1/email/campaigns"


def _template(client: Any, tenant: Any, text: str = "Hello {{ person.first_name }}, {{ offer }}") -> str:
    made = client.post(
        "/v1/email/templates",
        auth=tenant.key_auth,
        json_body={
            "name": f"T{uuid.uuid4().hex[:6]}",
            "subject": "News for {{ person.first_name }}",
            "text_body": text,
        },
    )
    assert made.status == 201, made.body
    return str(made.json()["id"])


def _person(
    client: Any, tenant: Any, name: str, *, email: str | None = "new", tags: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": name, "tags": tags or []}
    if email is not None:
        body["email"] = new_address() if email == "new" else email
    made = client.post("/v1/people", auth=tenant.key_auth, json_body=body)
    assert made.status == 201, made.body
    return dict(made.json())


def _create(client: Any, tenant: Any, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"idempotency-key": key} if key else None
    return client.post(CAMPAIGNS, auth=tenant.key_auth, json_body=body, headers=headers)


def _emails(admin_db: Any, campaign_id: str) -> list[dict[str, Any]]:
    return list(
        admin_db.execute(
            "SELECT id, person_id, to_addresses, subject, text_body, category, status FROM emails"
            " WHERE campaign_id = %s ORDER BY person_id",
            (campaign_id,),
        ).fetchall()
    )


def test_a_campaign_is_stored_then_expanded_in_chunks_and_sent_as_marketing(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    template = _template(client, tenant)
    tagged = [_person(client, tenant, f"P{n}", tags=["newsletter"]) for n in range(5)]
    named = _person(client, tenant, "Named")
    _person(client, tenant, "Nobody", email=None, tags=["newsletter"])
    blocked = _person(client, tenant, "Blocked", tags=["newsletter"])
    gone = _person(client, tenant, "Gone", tags=["newsletter"])
    _person(client, tenant, "Other", tags=["other"])
    assert (
        client.post(
            "/v1/email/suppressions", auth=tenant.key_auth, json_body={"address": blocked["email"]}
        ).status
        == 200
    )
    assert client.delete(f"/v1/people/{gone['id']}", auth=tenant.key_auth).status == 204

    made = _create(
        client,
        tenant,
        {
            "name": "December",
            "template_id": template,
            "tag": "newsletter",
            "person_ids": [named["id"], tagged[0]["id"]],
            "variables": {"offer": "10% off"},
        },
    )
    assert made.status == 202, made.body
    campaign = made.json()
    assert (campaign["status"], campaign["category"], campaign["planned"]) == ("queued", "marketing", 8)
    assert made.header("location") == f"{CAMPAIGNS}/{campaign['id']}"
    # Nothing but the campaign and its one event: no email yet.
    assert _emails(admin_db, campaign["id"]) == []
    events = admin_db.execute(
        "SELECT type FROM domain_events WHERE org_id = %s AND resource_id = %s",
        (tenant.org_id, campaign["id"]),
    ).fetchall()
    assert [e["type"] for e in events] == ["email_campaign.queued"]

    message = CampaignMessage(uuid.UUID(tenant.org_id), uuid.UUID(campaign["id"]))
    assert worker.expand_chunk(message, chunk=3) == "more"
    assert len(_emails(admin_db, campaign["id"])) in (1, 2, 3)
    assert worker.process(message, chunk=3) == "expanded"
    assert worker.process(message, chunk=3) == "done"  # a repeated message

    emails = _emails(admin_db, campaign["id"])
    expected = {p["id"] for p in [*tagged, named]}
    assert {str(e["person_id"]) for e in emails} == expected
    assert all(e["category"] == "marketing" and e["status"] == "queued" for e in emails)
    by_person = {str(e["person_id"]): e for e in emails}
    assert by_person[named["id"]]["subject"] == "News for Named"
    assert by_person[named["id"]]["text_body"] == "Hello Named, 10% off"
    assert by_person[named["id"]]["to_addresses"] == [named["email"]]
    shown = client.get(f"{CAMPAIGNS}/{campaign['id']}", auth=tenant.key_auth)
    assert shown.status == 200, shown.body
    counts = shown.json()["counts"]
    assert shown.json()["status"] == "expanded"
    assert (counts["recipients"], counts["suppressed"], counts["no_address"], counts["queued"]) == (
        6,
        1,
        1,
        6,
    )
    used = admin_db.execute(
        "SELECT coalesce(sum(quantity), 0) AS n FROM billing_usage WHERE org_id = %s AND meter = 'email'",
        (tenant.org_id,),
    ).fetchone()["n"]
    assert used == 6

    # Each email goes through the existing send path, with the one-click unsubscribe headers.
    for e in emails:
        assert channels.route(uuid.UUID(tenant.org_id), "email.queued", e["id"]) is True
    ses.send_queue.drain()
    sent = ses.sent()
    assert len(sent) == 6
    assert all("List-Unsubscribe-Post: List-Unsubscribe=One-Click" in m.raw_data for m in sent)
    assert blocked["email"] not in {a for m in sent for a in m.destinations}
    counts = client.get(f"{CAMPAIGNS}/{campaign['id']}", auth=tenant.key_auth).json()["counts"]
    assert (counts["queued"], counts["sending"]) == (0, 6)


def test_expansion_resumes_and_never_makes_an_email_twice(client, tenant, ses, admin_db, monkeypatch):
    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Hi {{ person.first_name }}")
    people = [_person(client, tenant, f"R{n}", tags=["r"]) for n in range(5)]
    campaign = _create(client, tenant, {"name": "R", "template_id": template, "tag": "r"}).json()
    message = CampaignMessage(uuid.UUID(tenant.org_id), uuid.UUID(campaign["id"]))
    assert worker.expand_chunk(message, chunk=2) == "more"
    # A worker stopped after its chunk committed but as if the cursor was lost: the next run
    # walks the same people again and makes no second email for them.
    admin_db.execute("UPDATE email_campaigns SET cursor = NULL WHERE id = %s", (campaign["id"],))
    assert worker.process(message, chunk=2) == "expanded"
    emails = _emails(admin_db, campaign["id"])
    assert sorted(str(e["person_id"]) for e in emails) == sorted(p["id"] for p in people)
    shown = client.get(f"{CAMPAIGNS}/{campaign['id']}", auth=tenant.key_auth).json()
    assert shown["counts"]["recipients"] == 5
    # A budget used up queues the rest again rather than running on.
    again = _create(client, tenant, {"name": "R2", "template_id": template, "tag": "r"}).json()
    sent: list[Any] = []
    monkeypatch.setattr(worker.channels, "route", lambda *a, **k: sent.append(a) or True)
    outcome = worker.process(
        CampaignMessage(uuid.UUID(tenant.org_id), uuid.UUID(again["id"])), budget=0, chunk=2
    )
    assert outcome == "continues"
    assert sent == [(uuid.UUID(tenant.org_id), "email_campaign.queued", uuid.UUID(again["id"]))]
    assert len(_emails(admin_db, again["id"])) == 2


def test_the_campaign_worker_runs_as_deployed(client, tenant, ses, admin_db):
    """The consumer (its sample event's shape, this campaign's ids) reports no failure and
    makes the campaign's email."""
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from tests.conftest import ROOT

    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Hi")
    _person(client, tenant, "S", tags=["s"])
    campaign = _create(client, tenant, {"name": "S", "template_id": template, "tag": "s"}).json()
    fn = load_template(ROOT).functions["EmailCampaignFunction"]
    event = json.loads(fn.sample_event.read_text())
    event["Records"][0]["body"] = json.dumps({"org_id": tenant.org_id, "campaign_id": campaign["id"]})
    assert invoke(fn, event) == {"batchItemFailures": []}
    assert len(_emails(admin_db, campaign["id"])) == 1
    assert client.get(f"{CAMPAIGNS}/{campaign['id']}", auth=tenant.key_auth).json()["status"] == "expanded"


def test_the_allowance_holds_the_whole_audience(client, tenant, ses, admin_db, monkeypatch):
    from hearth.settings import settings

    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Hi")
    for n in range(3):
        _person(client, tenant, f"Q{n}", tags=["q"])
    monkeypatch.setenv("HEARTH_PLANS", '{"free": {"limits": {"emails_per_month": 2}}}')
    settings.cache_clear()
    try:
        refused = _create(client, tenant, {"name": "Q", "template_id": template, "tag": "q"})
        assert refused.status == 402, refused.body
        assert refused.json()["code"] == "quota_exceeded"
        assert (
            count(admin_db, "SELECT count(*) AS n FROM email_campaigns WHERE org_id = %s", tenant.org_id) == 0
        )
    finally:
        monkeypatch.delenv("HEARTH_PLANS")
        settings.cache_clear()


def test_idempotency_key_replays_one_campaign(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Hi")
    _person(client, tenant, "I", tags=["i"])
    body = {"name": "I", "template_id": template, "tag": "i"}
    first = _create(client, tenant, body, key="campaign-1")
    second = _create(client, tenant, body, key="campaign-1")
    assert (first.status, second.status) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
    assert count(admin_db, "SELECT count(*) AS n FROM email_campaigns WHERE org_id = %s", tenant.org_id) == 1


def test_bad_input_is_a_problem_and_changes_nothing(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Hi {{ person.first_name }}")
    broken = _template(client, tenant, text="Hi {{ missing_variable }}")
    _person(client, tenant, "B", tags=["b"])
    for body, code in (
        ({"name": "x", "template_id": template}, None),
        ({"name": "x", "template_id": str(uuid.uuid4()), "tag": "b"}, "reference_not_found"),
        ({"name": "x", "template_id": template, "tag": "nobody-has-this"}, "empty_audience"),
        ({"name": "x", "template_id": template, "person_ids": [str(uuid.uuid4())]}, "empty_audience"),
        ({"name": "x", "template_id": broken, "tag": "b"}, "template_render_failed"),
        (
            {"name": "x", "template_id": template, "tag": "b", "from": "a@unverified-domain.com"},
            "domain_not_verified",
        ),
    ):
        refused = _create(client, tenant, body)
        assert refused.status == 422, (body, refused.body)
        assert refused.header("content-type") == "application/problem+json"
        problem = refused.json()
        if code is not None:
            assert code in (problem["code"], *(e["code"] for e in problem.get("errors", []))), problem
    assert count(admin_db, "SELECT count(*) AS n FROM email_campaigns WHERE org_id = %s", tenant.org_id) == 0
    assert client.get(f"{CAMPAIGNS}/{uuid.uuid4()}", auth=tenant.key_auth).status == 404


def test_a_template_that_fails_for_a_later_person_ends_the_campaign_failed(client, tenant, ses, admin_db):
    """The POST renders for the first person only; a person the template cannot render for
    ends the campaign failed (template_render_failed) and the emails already made stay."""
    sending_domain(client, tenant, ses)
    template = _template(client, tenant, text="Dear {{ person.job_title.upper() }}")
    people = sorted((_person(client, tenant, f"F{n}", tags=["f"]) for n in range(3)), key=lambda p: p["id"])
    admin_db.execute("UPDATE people SET job_title = 'ceo' WHERE id = %s", (people[0]["id"],))
    made = _create(client, tenant, {"name": "F", "template_id": template, "tag": "f"})
    assert made.status == 202, made.body
    message = CampaignMessage(uuid.UUID(tenant.org_id), uuid.UUID(made.json()["id"]))
    assert worker.expand_chunk(message, chunk=1) == "more"
    assert worker.process(message, chunk=1) == "failed"
    shown = client.get(f"{CAMPAIGNS}/{made.json()['id']}", auth=tenant.key_auth).json()
    assert (shown["status"], shown["error_code"]) == ("failed", "template_render_failed")
    emails = _emails(admin_db, made.json()["id"])
    assert [(str(e["person_id"]), e["text_body"]) for e in emails] == [(people[0]["id"], "Dear CEO")]
    assert worker.process(message, chunk=1) == "done"
