"""The plan enforced: a past_due org keeps writing through its grace period (with a warning
header), then writes answer 402 ``payment_required`` while reads and billing keep working; seats
(402 ``seat_limit_reached``), monthly quotas (402 ``quota_exceeded`` with the limit and the reset
time), webhook endpoints and AI tokens by the plan; a downgrade keeps what exists and blocks only
new use; usage reported to Stripe's meters once; invoices from Stripe, paged."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from hearth import db, plans
from hearth.ai import budget
from hearth.billing import reporting, usage
from hearth.problems import PaymentRequired
from hearth.settings import settings
from tests.integration.billing.stripe_local import deliver_all, standin, subscribe


@pytest.fixture(autouse=True)
def stripe_standin():
    return standin()


@pytest.fixture
def plan_config(monkeypatch):
    """Set ``HEARTH_PLANS`` for one test."""

    def set_(config: dict) -> None:
        monkeypatch.setenv("HEARTH_PLANS", json.dumps(config))
        settings.cache_clear()

    yield set_
    monkeypatch.delenv("HEARTH_PLANS", raising=False)
    settings.cache_clear()


def _company(client, tenant, auth=None):
    return client.post(
        "/v1/companies", auth=auth or tenant.key_auth, json_body={"name": f"Co {uuid.uuid4().hex[:6]}"}
    )


def test_past_due_writes_through_the_grace_period_then_402_while_reads_and_billing_work(
    client, tenant, admin_db, stripe_standin
):
    subscription_id, paid = subscribe(client, tenant, "pro")
    deliver_all(client, paid)
    deliver_all(client, stripe_standin.fail_payment(subscription_id, send=False))
    billing = client.get("/v1/billing", auth=tenant.key_auth).json()
    assert (billing["status"], billing["plan"]) == ("past_due", "pro")
    assert billing["grace_ends_at"] is not None
    written = _company(client, tenant)
    assert written.status == 201, written.body
    assert written.header("hearth-billing-warning").startswith("past_due; grace_ends_at=")
    # Eight days later (the grace period is seven).
    admin_db.execute(
        "UPDATE billing_accounts SET past_due_since = now() - interval '8 days' WHERE org_id = %s",
        (tenant.org_id,),
    )
    before = admin_db.execute(
        "SELECT count(*) AS n FROM companies WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    refused = _company(client, tenant)
    assert refused.status == 402, refused.body
    assert refused.json()["code"] == "payment_required"
    assert refused.header("content-type") == "application/problem+json"
    after = admin_db.execute(
        "SELECT count(*) AS n FROM companies WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert after["n"] == before["n"]
    assert client.get("/v1/companies", auth=tenant.key_auth).status == 200
    assert client.get("/v1/billing", auth=tenant.key_auth).status == 200
    assert client.post("/v1/billing/portal-sessions", auth=tenant.key_auth).status == 201
    # Paying ends it.
    deliver_all(client, stripe_standin.pay_invoice(subscription_id, send=False))
    assert client.get("/v1/billing", auth=tenant.key_auth).json()["status"] == "active"
    written = _company(client, tenant)
    assert written.status == 201
    assert written.header("hearth-billing-warning") is None


def test_seats_are_the_plans(client, tenant, admin_db, plan_config):
    plan_config({"free": {"limits": {"seats": 2}}})
    client.add_member(tenant, "member")  # the second seat
    billing = client.get("/v1/billing", auth=tenant.key_auth).json()
    assert billing["seats"] == {"used": 2, "limit": 2}
    refused = client.post(
        "/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id, json_body={"email": "c@example.com"}
    )
    assert refused.status == 402, refused.body
    assert (refused.json()["code"], refused.json()["limit"]) == ("seat_limit_reached", 2)
    # An invitation made while a seat was free cannot be accepted once none is.
    plan_config({"free": {"limits": {"seats": 3}}})
    late = client.new_user("late")
    pending = client.invite(tenant, late.email)
    client.add_member(tenant, "viewer")  # the third seat
    accepted = client.post("/v1/invitations/accept", auth=late.auth, json_body={"token": pending["token"]})
    assert accepted.status == 402, accepted.body
    assert accepted.json()["code"] == "seat_limit_reached"
    members = admin_db.execute(
        "SELECT count(*) AS n FROM org_members WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert members["n"] == 3
    # A downgrade below the members there are keeps them all; only new members are refused.
    plan_config({"free": {"limits": {"seats": 1}}})
    assert client.get("/v1/members", auth=tenant.key_auth).json()["data"].__len__() == 3
    assert client.get("/v1/billing", auth=tenant.key_auth).json()["seats"] == {"used": 3, "limit": 1}


def test_monthly_quotas_refuse_with_the_limit_and_the_reset_time(client, tenant, plan_config):
    plan_config({"free": {"limits": {"sms_per_month": 3, "emails_per_month": 1}}})
    with db.tenant_transaction(tenant.org_id) as conn:
        for n in range(3):
            usage.check(conn, "sms")
            assert usage.record(conn, tenant.org_id, "sms", f"SM{n}") is True
        assert usage.record(conn, tenant.org_id, "sms", "SM0") is False  # once per message
        with pytest.raises(PaymentRequired) as refused:
            usage.check(conn, "sms")
        usage.check(conn, "email")
        with pytest.raises(PaymentRequired) as too_many:
            usage.check(conn, "email", 2)
    problem = refused.value.document("r")
    now = datetime.now(UTC)
    first_of_next = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    assert (problem["status"], problem["code"], problem["limit"], problem["used"]) == (
        402,
        "quota_exceeded",
        3,
        3,
    )
    assert problem["resets_at"] == first_of_next.isoformat().replace("+00:00", "Z")
    assert too_many.value.extensions["limit"] == 1
    billing = client.get("/v1/billing", auth=tenant.key_auth).json()
    assert billing["usage"]["sms"]["used"] == 3
    assert billing["usage"]["sms"]["limit"] == 3
    assert billing["usage"]["email"] == {"used": 0, "limit": 1, "resets_at": problem["resets_at"]}
    # A larger plan allows more of the same month.
    plan_config({"free": {"limits": {"sms_per_month": 4}}})
    with db.tenant_transaction(tenant.org_id) as conn:
        usage.check(conn, "sms")


def test_webhook_endpoints_by_the_plan(client, tenant, plan_config):
    plan_config({"free": {"limits": {"webhook_endpoints": 1}}})
    body = {"url": "https://93.184.215.14/hearth", "event_types": ["*"]}
    first = client.post("/v1/webhook-endpoints", auth=tenant.key_auth, json_body=body)
    assert first.status == 201, first.body
    second = client.post("/v1/webhook-endpoints", auth=tenant.key_auth, json_body=body)
    assert second.status == 402, second.body
    assert (second.json()["code"], second.json()["limit"]) == ("quota_exceeded", 1)


def test_ai_tokens_come_from_the_plan(client, tenant, plan_config):
    plan_config(
        {"free": {"limits": {"ai_tokens_per_month": 1234}}, "pro": {"limits": {"ai_tokens_per_month": 99}}}
    )
    with db.tenant_transaction(tenant.org_id) as conn:
        assert budget.limit(conn, tenant.org_id) == 1234 == plans.get("free").limits.ai_tokens_per_month
    _, paid = subscribe(client, tenant, "pro")
    deliver_all(client, paid)
    with db.tenant_transaction(tenant.org_id) as conn:
        assert budget.limit(conn, tenant.org_id) == 99
    assert client.get("/v1/billing", auth=tenant.key_auth).json()["usage"]["ai_tokens"]["limit"] == 99


def test_metered_usage_is_reported_to_stripe_once(client, tenant, admin_db, stripe_standin):
    _, paid = subscribe(client, tenant, "pro")
    deliver_all(client, paid)
    customer = stripe_standin.subscriptions[paid[0]["data"]["object"]["id"]]["customer"]
    with db.tenant_transaction(tenant.org_id) as conn:
        usage.record(conn, tenant.org_id, "sms", "SMreport1", 2)
        usage.record(conn, tenant.org_id, "email", "email-1")  # not metered: never reported
    rows = admin_db.execute(
        "SELECT id FROM billing_usage WHERE org_id = %s AND meter = 'sms'", (tenant.org_id,)
    ).fetchall()
    stripe_standin.fail(
        status=500, times=5, paths="/v1/billing/meter_events"
    )  # retried by the SDK, then failed
    _reported, failed = reporting.report_usage()
    assert failed >= 1
    stripe_standin.clear_faults()
    reporting.report_usage()
    reporting.report_usage()
    mine = [e for e in stripe_standin.meter_events.values() if e["payload"]["stripe_customer_id"] == customer]
    assert [(e["event_name"], e["payload"]["value"], e["identifier"]) for e in mine] == [
        ("hearth_sms", "2", f"hearth-usage-{rows[0]['id']}")
    ]
    left = admin_db.execute(
        "SELECT meter FROM billing_usage WHERE org_id = %s AND reported_at IS NULL", (tenant.org_id,)
    ).fetchall()
    assert [r["meter"] for r in left] == ["email"]


def test_invoices_come_from_stripe_a_page_at_a_time(client, tenant, other_tenant, stripe_standin):
    assert client.get("/v1/billing/invoices", auth=tenant.key_auth).json() == {
        "data": [],
        "next_cursor": None,
    }
    subscription_id, paid = subscribe(client, tenant, "pro")
    deliver_all(client, paid)
    stripe_standin.fail_payment(subscription_id, send=False)
    first = client.get("/v1/billing/invoices", auth=tenant.key_auth, query="limit=1")
    assert first.status == 200, first.body
    page = first.json()
    assert [i["status"] for i in page["data"]] == ["open"]
    assert page["next_cursor"] == page["data"][0]["id"]
    rest = client.get(
        "/v1/billing/invoices", auth=tenant.key_auth, query=f"limit=1&cursor={page['next_cursor']}"
    ).json()
    assert [i["status"] for i in rest["data"]] == ["paid"]
    assert rest["data"][0]["amount_paid"] == 1200
    bad = client.get("/v1/billing/invoices", auth=tenant.key_auth, query="cursor=nope")
    assert bad.status == 422
    member = client.add_member(tenant, "member")
    assert client.get("/v1/billing/invoices", auth=member.auth, org=tenant.org_id).status == 403
    stripe_standin.fail(status=500, times=5, paths="/v1/invoices")
    down = client.get("/v1/billing/invoices", auth=tenant.key_auth)
    stripe_standin.clear_faults()
    assert down.status == 502
    assert down.json()["code"] == "stripe_unavailable"
