"""Stripe billing end to end against the Stripe stand-in: Checkout makes the org's customer once,
paying upgrades the org through the verified webhook (audit row and ``billing.plan_changed``),
a replayed event acts once, badly signed or stale events change nothing, events delivered in
any order end in Stripe's current state, and one org's customer can never change another org."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.billing.stripe_local import (
    WEBHOOK_SECRET,
    deliver,
    deliver_all,
    standin,
    subscribe,
)


@pytest.fixture(autouse=True)
def stripe_standin():
    return standin()


def _billing(client, tenant) -> dict:
    answer = client.get("/v1/billing", auth=tenant.key_auth)
    assert answer.status == 200, answer.body
    return answer.json()


def _plan(admin_db, org_id) -> str:
    return admin_db.execute("SELECT plan FROM orgs WHERE id = %s", (org_id,)).fetchone()["plan"]


def _audits(admin_db, org_id, action) -> list[dict]:
    return admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = %s ORDER BY seq", (org_id, action)
    ).fetchall()


def _events(admin_db, org_id, type_) -> list[dict]:
    return admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = %s ORDER BY occurred_at", (org_id, type_)
    ).fetchall()


def test_checkout_makes_the_customer_once_and_answers_the_session_url(client, tenant, stripe_standin):
    first = client.post(
        "/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "pro", "interval": "year"}
    )
    assert first.status == 201, first.body
    session = first.json()
    assert session["url"] == f"{stripe_standin.url}/checkout/pay/{session['id']}"
    assert (session["plan"], session["interval"]) == ("pro", "year")
    again = client.post("/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "business"})
    assert again.status == 201, again.body
    mine = [c for c in stripe_standin.customers.values() if c["metadata"].get("org_id") == tenant.org_id]
    assert len(mine) == 1
    stored = stripe_standin.sessions[session["id"]]
    assert stored["customer"] == mine[0]["id"]
    assert stored["client_reference_id"] == tenant.org_id
    assert stored["line_items"][0]["price"] == "price_hearth_pro_year"
    assert stripe_standin.sessions[again.json()["id"]]["customer"] == mine[0]["id"]
    billing = _billing(client, tenant)
    assert (billing["plan"], billing["status"], billing["has_customer"]) == ("free", "none", True)


def test_checkout_refuses_what_cannot_be_bought(client, tenant, admin_db):
    for body, field, code in (
        ({"plan": "platinum"}, "plan", "unknown_plan"),
        ({"plan": "free"}, "interval", "not_for_sale"),
    ):
        refused = client.post("/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body=body)
        assert refused.status == 422, refused.body
        assert refused.json()["errors"][0]["field"] == field
        assert refused.json()["errors"][0]["code"] == code
    bad = client.post(
        "/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "pro", "x": 1}
    )
    assert bad.status == 422
    member = client.add_member(tenant, "member")
    denied = client.post(
        "/v1/billing/checkout-sessions", auth=member.auth, org=tenant.org_id, json_body={"plan": "pro"}
    )
    assert denied.status == 403
    assert (
        admin_db.execute("SELECT * FROM billing_accounts WHERE org_id = %s", (tenant.org_id,)).fetchall()
        == []
    )


def test_paying_at_checkout_upgrades_the_org_once(client, tenant, admin_db):
    _subscription_id, events = subscribe(client, tenant, "pro")
    assert [e["type"] for e in events] == [
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    ]
    deliver_all(client, events)
    billing = _billing(client, tenant)
    assert (billing["plan"], billing["status"], billing["subscribed_plan"]) == ("pro", "active", "pro")
    assert billing["limits"]["seats"] == 25
    assert billing["next_invoice"]["date"] == billing["current_period_end"]
    assert _plan(admin_db, tenant.org_id) == "pro"
    changed = _audits(admin_db, tenant.org_id, "billing.plan_changed")
    assert [(a["changes"]["from"], a["changes"]["to"]) for a in changed] == [("free", "pro")]
    assert changed[0]["actor_type"] == "system"
    assert changed[0]["actor_id"] == "webhook:stripe"
    emitted = _events(admin_db, tenant.org_id, "billing.plan_changed")
    assert [(e["payload"]["from"], e["payload"]["to"], e["payload"]["direction"]) for e in emitted] == [
        ("free", "pro", "upgrade")
    ]
    # Replays act once (the same event ids again, and again at once).
    deliver_all(client, events + events)
    assert len(_audits(admin_db, tenant.org_id, "billing.plan_changed")) == 1
    assert len(_events(admin_db, tenant.org_id, "billing.plan_changed")) == 1
    assert len(_audits(admin_db, tenant.org_id, "billing.invoice_paid")) == 1
    # The plan's rate limit applies to the org's next requests.
    assert client.get("/v1/billing", auth=tenant.key_auth).header("ratelimit-limit") == "600"
    # With a live subscription, Checkout sends the org to the portal.
    again = client.post("/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "business"})
    assert again.status == 409
    assert again.json()["code"] == "subscription_exists"
    portal = client.post("/v1/billing/portal-sessions", auth=tenant.key_auth)
    assert portal.status == 201
    assert "/billing/p/session/" in portal.json()["url"]


def test_badly_signed_or_stale_events_change_nothing(client, tenant, admin_db):
    _, events = subscribe(client, tenant, "pro")
    created = events[0]
    answers = {
        "stale": deliver(client, created, timestamp=int(time.time()) - 301),
        "future": deliver(client, created, timestamp=int(time.time()) + 400),
        "wrong secret": deliver(client, created, secret="whsec_" + "0" * 32),
        "tampered": deliver(client, created, body=json.dumps(created).replace('"active"', '"trialing"')),
    }
    assert {name: a.status for name, a in answers.items()} == dict.fromkeys(answers, 400)
    assert all(a.body == b"" for a in answers.values())
    receipts = admin_db.execute(
        "SELECT count(*) AS n FROM inbound_webhook_receipts WHERE delivery_id = %s", (created["id"],)
    ).fetchone()
    assert receipts["n"] == 0
    assert _plan(admin_db, tenant.org_id) == "free"
    # Signed with the previous secret during a rotation (two configured): accepted.
    import os

    from hearth.settings import settings

    os.environ["HEARTH_STRIPE_WEBHOOK_SECRET"] = f"whsec_{'1' * 32},{WEBHOOK_SECRET}"
    settings.cache_clear()
    try:
        assert deliver(client, created).status == 200
    finally:
        os.environ["HEARTH_STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        settings.cache_clear()
    assert _plan(admin_db, tenant.org_id) == "pro"


def test_events_in_reverse_order_end_in_stripes_current_state(client, tenant, admin_db, stripe_standin):
    subscription_id, paid = subscribe(client, tenant, "pro")
    upgraded = stripe_standin.update_subscription(
        subscription_id, price="price_hearth_business_month", send=False
    )
    downgraded = stripe_standin.update_subscription(
        subscription_id, price="price_hearth_pro_month", send=False
    )
    cancel_later = stripe_standin.update_subscription(subscription_id, cancel_at_period_end=True, send=False)
    every = paid + upgraded + downgraded + cancel_later
    deliver_all(client, list(reversed(every)))
    billing = _billing(client, tenant)
    assert (billing["plan"], billing["status"], billing["cancel_at_period_end"]) == ("pro", "active", True)
    assert billing["next_invoice"] is None
    # Each delivery read the subscription as it is now: the stale snapshots never applied.
    changes = [
        (a["changes"]["from"], a["changes"]["to"])
        for a in _audits(admin_db, tenant.org_id, "billing.plan_changed")
    ]
    assert changes == [("free", "pro")]


def test_a_canceled_subscription_keeps_its_plan_to_the_period_end_then_free(
    client, tenant, admin_db, stripe_standin
):
    from hearth.billing import reporting

    subscription_id, paid = subscribe(client, tenant, "business")
    deliver_all(client, paid)
    deliver_all(client, stripe_standin.cancel_subscription(subscription_id, send=False))
    billing = _billing(client, tenant)
    assert (billing["plan"], billing["status"], billing["subscribed_plan"]) == (
        "business",
        "canceled",
        "business",
    )
    # The period ends: the org is on free from that moment; the schedule writes it down.
    admin_db.execute(
        "UPDATE billing_accounts SET current_period_end = now() - interval '1 second' WHERE org_id = %s",
        (tenant.org_id,),
    )
    assert _billing(client, tenant)["plan"] == "free"
    assert _plan(admin_db, tenant.org_id) == "business"
    assert reporting.settle_cancellations() >= 1
    assert _plan(admin_db, tenant.org_id) == "free"
    assert reporting.settle_cancellations() == 0
    changes = [
        (e["payload"]["from"], e["payload"]["to"], e["payload"]["direction"])
        for e in _events(admin_db, tenant.org_id, "billing.plan_changed")
    ]
    assert changes == [("free", "business", "upgrade"), ("business", "free", "downgrade")]
    audit = _audits(admin_db, tenant.org_id, "billing.plan_changed")[-1]
    assert audit["actor_id"] == "schedule:billing"


def test_one_orgs_customer_never_changes_another_org(client, tenant, other_tenant, admin_db, stripe_standin):
    mine, _ = subscribe(client, tenant, "pro")
    theirs, their_events = subscribe(client, other_tenant, "business")
    my_customer = stripe_standin.subscriptions[mine]["customer"]
    # An event about my customer that names the other org's subscription and reference: it is
    # routed by its customer to my org, where the other org's subscription is not mine.
    forged = stripe_standin.event(
        "checkout.session.completed",
        {
            "id": "cs_test_forged",
            "object": "checkout.session",
            "mode": "subscription",
            "customer": my_customer,
            "client_reference_id": other_tenant.org_id,
            "subscription": theirs,
        },
    )
    assert deliver(client, forged).status == 200
    sub_event = stripe_standin.event(
        "customer.subscription.updated", {**stripe_standin.subscriptions[theirs], "customer": my_customer}
    )
    assert deliver(client, sub_event).status == 200
    assert _plan(admin_db, tenant.org_id) == "free"
    assert _plan(admin_db, other_tenant.org_id) == "free"
    assert _billing(client, tenant)["status"] == "none"
    # A customer no org has: acknowledged, nothing stored.
    unknown = stripe_standin.event(
        "customer.updated", {"id": "cus_nobody", "object": "customer", "email": "x@y.z"}
    )
    assert deliver(client, unknown).status == 200
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM inbound_webhook_receipts WHERE delivery_id = %s", (unknown["id"],)
        ).fetchone()["n"]
        == 0
    )
    # The other org's own events still upgrade it alone.
    deliver_all(client, their_events)
    assert (_plan(admin_db, tenant.org_id), _plan(admin_db, other_tenant.org_id)) == ("free", "business")


def test_customer_updated_keeps_the_billing_email(client, tenant, admin_db, stripe_standin):
    subscribe(client, tenant, "pro")
    customer = next(
        c for c in stripe_standin.customers.values() if c["metadata"].get("org_id") == tenant.org_id
    )
    event = stripe_standin.event(
        "customer.updated", {**customer, "email": "billing@acme.example"}, {"email": None}
    )
    assert deliver(client, event).status == 200
    row = admin_db.execute(
        "SELECT billing_email FROM billing_accounts WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert row["billing_email"] == "billing@acme.example"
    assert len(_audits(admin_db, tenant.org_id, "billing.customer_update")) == 1
