"""The Stripe stand-in through stripe-python: customers, Checkout and portal sessions, the
account, errors and idempotent replays; events signed so that stripe.Webhook accepts them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
from hearth_dev.standins.providers import STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET
from hearth_dev.standins.stripe import StripeStandIn, decode_form

from tests.receivers import Receiver


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    with StripeStandIn(STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET) as running:
        yield running


def client_for(standin: StripeStandIn, key: str = STRIPE_SECRET_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": standin.url}, max_network_retries=0)


def test_form_decoding_as_stripe_python_encodes() -> None:
    body = (
        b"metadata[org]=o1&line_items[0][price]=p&line_items[0][quantity]=2"
        b"&line_items[1][price]=q&mode=payment"
    )
    assert decode_form(body) == {
        "metadata": {"org": "o1"},
        "line_items": [{"price": "p", "quantity": "2"}, {"price": "q"}],
        "mode": "payment",
    }


def test_customers(standin: StripeStandIn) -> None:
    client = client_for(standin)
    customer = client.v1.customers.create(params={"email": "ada@example.com", "metadata": {"org_id": "o1"}})
    assert customer.id.startswith("cus_")
    assert customer.object == "customer"
    assert customer.email == "ada@example.com"
    assert customer.metadata["org_id"] == "o1"
    fetched = client.v1.customers.retrieve(customer.id)
    assert fetched.id == customer.id
    updated = client.v1.customers.update(customer.id, params={"name": "Ada", "metadata": {"org_id": ""}})
    assert updated.name == "Ada"
    assert "org_id" not in updated.metadata
    recorded = standin.requests[-1]
    assert recorded.headers["authorization"] == "Bearer [redacted]"
    assert "metadata[org_id]=o1" in recorded.body


def test_sessions_and_account(standin: StripeStandIn) -> None:
    client = client_for(standin)
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": "price_123", "quantity": 1}],
            "success_url": "http://localhost:5173/ok",
        }
    )
    assert session.id.startswith("cs_test_")
    assert session.url.startswith(standin.url)
    assert (session.status, session.mode, session.customer) == ("open", "subscription", customer.id)
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "http://localhost:5173/billing"}
    )
    assert portal.object == "billing_portal.session"
    assert portal.url.startswith(standin.url)
    account = client.v1.accounts.retrieve_current()
    assert account.id == standin.account_id
    assert account.charges_enabled is True


def test_errors_in_stripes_shape(standin: StripeStandIn) -> None:
    with pytest.raises(stripe.AuthenticationError) as wrong_key:
        client_for(standin, "sk_test_wrong").v1.customers.create(params={})
    assert wrong_key.value.http_status == 401
    client = client_for(standin)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_nobody")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.json_body["error"]["type"] == "invalid_request_error"
    with pytest.raises(stripe.InvalidRequestError) as no_mode:
        client.v1.checkout.sessions.create(params={"success_url": "http://x/ok"})
    assert (no_mode.value.code, no_mode.value.param) == ("parameter_missing", "mode")
    with pytest.raises(stripe.InvalidRequestError) as portal:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_nobody"})
    assert portal.value.code == "resource_missing"


def test_idempotent_replay(standin: StripeStandIn) -> None:
    client = client_for(standin)
    first = client.v1.customers.create(params={"email": "a@example.com"}, options={"idempotency_key": "k1"})
    again = client.v1.customers.create(params={"email": "a@example.com"}, options={"idempotency_key": "k1"})
    assert again.id == first.id
    assert len(standin.customers) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "b@example.com"}, options={"idempotency_key": "k1"})


def test_faults_are_stripe_errors(standin: StripeStandIn) -> None:
    standin.fail(status=429, times=1)
    with pytest.raises(stripe.RateLimitError) as limited:
        client_for(standin).v1.customers.create(params={})
    assert limited.value.http_status == 429
    assert limited.value.headers["retry-after"] == "1"
    standin.fail(status=500, times=1, paths="/v1/customers")
    with pytest.raises(stripe.APIError):
        client_for(standin).v1.customers.create(params={})
    retrying = stripe.StripeClient(
        STRIPE_SECRET_KEY, base_addresses={"api": standin.url}, max_network_retries=2
    )
    standin.fail(status=500, times=1, paths="/v1/customers")
    assert retrying.v1.customers.create(params={"email": "r@example.com"}).email == "r@example.com"


def test_send_event_is_signed_with_the_endpoint_secret(standin: StripeStandIn) -> None:
    with Receiver() as receiver:
        url = receiver.url + "/webhooks/stripe"
        callback = standin.send_event(
            "customer.updated", {"id": "cus_1", "object": "customer"}, url, previous_attributes={"email": "x"}
        )
        (got,) = receiver.wait_for(1)
    event = stripe.Webhook.construct_event(got.body, got.headers["stripe-signature"], STRIPE_WEBHOOK_SECRET)
    assert event.type == "customer.updated"
    assert event.data.object.id == "cus_1"
    assert event.data.previous_attributes["email"] == "x"
    assert event.id.startswith("evt_")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(got.body, got.headers["stripe-signature"], "whsec_other")
    assert callback.status == 200
    assert standin.callbacks[0].label.startswith("event customer.updated")
