"""Stripe webhooks, verified by Stripe's own library (imported by ``verify`` only: a function that
receives Stripe's webhooks declares ``needs.STRIPE_SDK`` and ``needs.STRIPE_WEBHOOK_SECRET``)::

    provider = Stripe()                   # keys: platform_keys("stripe"), two while rotating
    verified = provider.verify(request)   # delivery_id=event id, event=event type

``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=...]`` under the
endpoint's ``whsec_`` secret. The library refuses a timestamp older than ``tolerance`` seconds;
Hearth also refuses one more than ``tolerance`` seconds ahead. The event id is in the signed body,
so a replay inside the tolerance is caught by the kit's dedupe on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, SigningKey, Verified
from hearth.hooks.providers.bodies import json_object, text


def _platform_keys() -> Sequence[SigningKey]:
    from hearth.hooks.secrets import platform_keys

    return platform_keys("stripe")


class Stripe:
    """Stripe's side of the kit (rejects with 400, as Stripe's documentation does)."""

    name = "stripe"
    rejection_status = 400

    def __init__(self, keys: Callable[[], Sequence[SigningKey]] | None = None, tolerance: int = 300) -> None:
        self.keys = keys or _platform_keys
        self.tolerance = tolerance

    def verify(self, request: InboundRequest) -> Verified:
        import stripe

        header = request.header("stripe-signature")
        if not header:
            raise SignatureInvalid("missing Stripe-Signature")
        payload = text(request.body)
        signer = None
        for key in self.keys():
            if not key.secret:
                continue
            try:
                stripe.WebhookSignature.verify_header(payload, header, key.secret, self.tolerance)
            except stripe.SignatureVerificationError:
                continue
            signer = key
            break
        if signer is None:
            raise SignatureInvalid("no matching signature within the tolerance")
        if _timestamp(header) > time.time() + self.tolerance:
            raise SignatureInvalid("Stripe-Signature timestamp is in the future")
        event = json_object(request.body)
        event_id, event_type = event.get("id"), event.get("type")
        if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
            raise SignatureInvalid("the signed body is not a Stripe event")
        account = event.get("account")
        return Verified(
            payload=event,
            delivery_id=event_id,
            event=event_type,
            account=account if isinstance(account, str) else None,
            signer_org=signer.org_id,
        )


def _timestamp(header: str) -> int:
    """The ``t=`` of a header the library accepted (so it has one, and it is an integer)."""
    for item in header.split(","):
        parts = item.split("=", 2)
        if parts[0] == "t" and len(parts) > 1:
            try:
                return int(parts[1])
            except ValueError:
                break
    raise SignatureInvalid("Stripe-Signature has no timestamp")
