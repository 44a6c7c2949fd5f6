"""An upgrade end to end on a laptop: the Stripe stand-in's Checkout page pays the session and
sends Stripe's signed events to ``/webhooks/stripe`` over HTTP; ``hearth simulate stripe <event>
--org`` changes the org's subscription at the stand-in and sends the events that follow."""

from __future__ import annotations

import time
import urllib.request

import pytest
from hearth_dev.cli import main
from hearth_dev.standins.server import Answer, Request, StandIn

from tests.integration.billing.stripe_local import WEBHOOK_SECRET, standin


class GatewayFront(StandIn):
    """HTTP in front of the in-process API Gateway, for webhooks only (what Stripe calls)."""

    name = "front"

    def __init__(self, client) -> None:
        super().__init__()
        self.client = client
        self.route("POST", r"/webhooks/.*", self._forward)

    def _forward(self, request: Request) -> Answer:
        answer = self.client.request(
            "POST", request.path, auth=None, body=request.body, headers=dict(request.headers)
        )
        return Answer(
            answer.status, answer.body, {"Content-Type": answer.header("content-type") or "text/plain"}
        )


@pytest.fixture
def front(client):
    stripe = standin()
    with GatewayFront(client) as made:
        stripe.webhook_url = made.url + "/webhooks/stripe"
        try:
            yield made
        finally:
            stripe.webhook_url = None


def _plan(client, tenant) -> str:
    return client.get("/v1/billing", auth=tenant.key_auth).json()["plan"]


def _wait_for_plan(client, tenant, plan: str) -> None:
    deadline = time.monotonic() + 10
    while _plan(client, tenant) != plan:
        assert time.monotonic() < deadline, f"the org did not reach {plan}"
        time.sleep(0.05)


def test_paying_on_the_local_checkout_page_upgrades_the_org(client, tenant, front):
    made = client.post("/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "business"})
    assert made.status == 201, made.body
    url = made.json()["url"]
    with urllib.request.urlopen(url, timeout=10) as page:
        html = page.read().decode()
    assert "<button>Pay</button>" in html
    assert "price_hearth_business_month" in html
    pay = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(pay, timeout=10) as paid:
        assert paid.status == 200
    _wait_for_plan(client, tenant, "business")
    callbacks = [c for c in standin().callbacks if c.url == front.url + "/webhooks/stripe"]
    deadline = time.monotonic() + 10
    while len([c for c in callbacks if c.status is not None]) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        callbacks = [c for c in standin().callbacks if c.url == front.url + "/webhooks/stripe"]
    assert sorted(c.status for c in callbacks[:3]) == [200, 200, 200]


def test_hearth_simulate_stripe_changes_the_subscription_and_sends_its_events(client, tenant, front, capsys):
    made = client.post("/v1/billing/checkout-sessions", auth=tenant.key_auth, json_body={"plan": "pro"})
    assert made.status == 201
    common = [
        "--org",
        tenant.org_id,
        "--url",
        front.url,
        "--standin-url",
        standin().url,
        "--secret",
        WEBHOOK_SECRET,
    ]
    assert main(["simulate", "stripe", "checkout.session.completed", *common]) == 0
    assert _plan(client, tenant) == "pro"
    assert main(["simulate", "stripe", "customer.subscription.updated", *common, "--plan", "business"]) == 0
    assert _plan(client, tenant) == "business"
    assert main(["simulate", "stripe", "invoice.payment_failed", *common]) == 0
    assert client.get("/v1/billing", auth=tenant.key_auth).json()["status"] == "past_due"
    assert main(["simulate", "stripe", "invoice.paid", *common]) == 0
    assert client.get("/v1/billing", auth=tenant.key_auth).json()["status"] == "active"
    out = capsys.readouterr().out
    assert out.count("200 OK") >= 6
    # An org without a customer at the stand-in: said, and nothing sent.
    other = client.new_tenant("NoCustomer")
    with pytest.raises(SystemExit, match="no Stripe customer"):
        main(
            [
                "simulate",
                "stripe",
                "invoice.paid",
                "--org",
                other.org_id,
                "--url",
                front.url,
                "--standin-url",
                standin().url,
            ]
        )
