"""Stripe for the billing tests: the stand-in the SDK is pointed at (one per test process, the
settings pointing at it), events signed the way Stripe signs them, and delivery to
``/webhooks/stripe`` through the in-process API Gateway."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import stripe
from hearth_dev.sam.gateway import GatewayResponse
from hearth_dev.standins import StripeStandIn

from hearth.settings import settings

SECRET_KEY = "sk_test_billingtests000000000000000"
WEBHOOK_SECRET = "whsec_billingtests0000000000000000000000"
PATH = "/webhooks/stripe"

_lock = threading.Lock()
_standin: list[StripeStandIn] = []


def standin() -> StripeStandIn:
    """The test process's Stripe stand-in (started on first use)."""
    with _lock:
        if not _standin:
            made = StripeStandIn(SECRET_KEY, WEBHOOK_SECRET)
            made.start()
            _standin.append(made)
        return _standin[0]


@contextlib.contextmanager
def configured() -> Iterator[StripeStandIn]:
    """The settings pointing at the stand-in (its URL, its key, its endpoint secret) while inside;
    what they were before, after (the key and the secret are for the test stage only)."""
    made = standin()
    wanted = {
        "HEARTH_STRIPE_API_BASE": made.url,
        "HEARTH_STRIPE_API_KEY": SECRET_KEY,
        "HEARTH_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    settings.cache_clear()
    try:
        yield made
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        settings.cache_clear()


def signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """``Stripe-Signature`` as Stripe computes it: ``t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<payload>" under the endpoint secret>``. Checked by stripe's own verifier."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    header = f"t={t},v1={mac}"
    stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    return header


def deliver(
    client: Any,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    body: str | None = None,
) -> GatewayResponse:
    """POST the signed event to ``/webhooks/stripe`` (``body``: send this instead of what was
    signed)."""
    payload = json.dumps(event)
    header = signature(payload, secret, timestamp)
    return client.request(  # type: ignore[no-any-return]
        "POST",
        PATH,
        auth=None,
        body=(body if body is not None else payload).encode(),
        headers={"content-type": "application/json; charset=utf-8", "stripe-signature": header},
    )


def deliver_all(client: Any, events: list[dict[str, Any]]) -> list[GatewayResponse]:
    answers = [deliver(client, e) for e in events]
    assert all(a.status == 200 for a in answers), [(a.status, a.body[:300]) for a in answers]
    return answers


def subscribe(
    client: Any, tenant: Any, plan: str = "pro", interval: str = "month"
) -> tuple[str, list[dict[str, Any]]]:
    """Checkout for ``plan`` and pay it at the stand-in; answers the subscription id and the
    events Stripe sends (not sent yet)."""
    stand_in = standin()
    made = client.post(
        "/v1/billing/checkout-sessions",
        auth=tenant.key_auth,
        json_body={"plan": plan, "interval": interval},
    )
    assert made.status == 201, made.body
    events = stand_in.complete_checkout(made.json()["id"], send=False)
    return events[0]["data"]["object"]["id"], events
