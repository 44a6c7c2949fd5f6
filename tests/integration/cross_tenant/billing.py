"""Cross-tenant cases: billing. An org sees and changes only its own billing: its plan, usage,
customer, invoices and sessions; a Stripe customer of one org never changes another."""

from __future__ import annotations

from tests.integration.billing.stripe_local import deliver, deliver_all, standin, subscribe
from tests.integration.cross_tenant import assert_not_leaked, case


def _victim_subscribed(client, victim) -> tuple[str, str]:
    """The victim on pro (paid at the stand-in); answers its subscription and customer ids."""
    subscription_id, events = subscribe(client, victim, "pro")
    deliver_all(client, events)
    return subscription_id, standin().subscriptions[subscription_id]["customer"]


@case("GET /v1/billing")
def get_billing(client, victim, intruder):
    subscription_id, customer = _victim_subscribed(client, victim)
    seen = client.get("/v1/billing", auth=intruder.key_auth)
    assert seen.status == 200
    assert (seen.json()["plan"], seen.json()["status"], seen.json()["has_customer"]) == (
        "free",
        "none",
        False,
    )
    assert_not_leaked(seen, subscription_id, customer, victim.org_id)


@case("GET /v1/billing/invoices")
def list_invoices(client, victim, intruder):
    _, customer = _victim_subscribed(client, victim)
    invoice = client.get("/v1/billing/invoices", auth=victim.key_auth).json()["data"][0]["id"]
    for query in ("", f"cursor={invoice}"):
        listed = client.get("/v1/billing/invoices", auth=intruder.key_auth, query=query)
        assert listed.status == 200, listed.body
        assert listed.json() == {"data": [], "next_cursor": None}
        assert_not_leaked(listed, invoice, customer)
    # Once the intruder has a customer of its own, the victim's invoice is still not a cursor of it.
    _, events = subscribe(client, intruder, "pro")
    deliver_all(client, events)
    paged = client.get("/v1/billing/invoices", auth=intruder.key_auth, query=f"cursor={invoice}")
    assert paged.status == 422, paged.body
    assert paged.json()["errors"][0]["code"] == "invalid_cursor"
    assert_not_leaked(paged, invoice, customer)


@case("POST /v1/billing/checkout-sessions")
def create_checkout_session(client, victim, intruder):
    _, customer = _victim_subscribed(client, victim)
    made = client.post(
        "/v1/billing/checkout-sessions", auth=intruder.key_auth, json_body={"plan": "business"}
    )
    assert made.status == 201, made.body
    session = standin().sessions[made.json()["id"]]
    assert session["customer"] != customer
    assert session["client_reference_id"] == intruder.org_id
    assert_not_leaked(made, customer, victim.org_id)
    assert client.get("/v1/billing", auth=victim.key_auth).json()["plan"] == "pro"


@case("POST /v1/billing/portal-sessions")
def create_portal_session(client, victim, intruder):
    standin().clear()
    _, customer = _victim_subscribed(client, victim)
    made = client.post("/v1/billing/portal-sessions", auth=intruder.key_auth)
    assert made.status == 201, made.body
    portal = next(
        r for r in standin().requests if r.path == "/v1/billing_portal/sessions" and r.status == 200
    )
    assert customer not in portal.body
    assert_not_leaked(made, customer, victim.org_id)


@case("POST /webhooks/stripe")
def stripe_webhook(client, victim, intruder):
    subscription_id, _ = _victim_subscribed(client, victim)
    mine, _ = subscribe(client, intruder, "business")
    intruder_customer = standin().subscriptions[mine]["customer"]
    # The intruder's customer names the victim's subscription (and the victim as reference).
    for event in (
        standin().event(
            "customer.subscription.deleted",
            {**standin().subscriptions[subscription_id], "status": "canceled", "customer": intruder_customer},
        ),
        standin().event(
            "checkout.session.completed",
            {
                "id": "cs_test_crossed",
                "object": "checkout.session",
                "mode": "subscription",
                "customer": intruder_customer,
                "client_reference_id": victim.org_id,
                "subscription": subscription_id,
            },
        ),
    ):
        answer = deliver(client, event)
        assert answer.status == 200, answer.body
    assert client.get("/v1/billing", auth=victim.key_auth).json()["plan"] == "pro"
    assert client.get("/v1/billing", auth=intruder.key_auth).json()["plan"] == "free"
