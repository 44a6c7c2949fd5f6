"""Hearth's own Stripe account, through stripe-python: the one module of billing that imports
``stripe`` (a function that calls it declares ``needs.STRIPE_SDK`` and ``needs.STRIPE_API_KEY``).

The client talks to ``HEARTH_STRIPE_API_BASE`` (Stripe's API, or the local stand-in), with the
platform's secret key from Secrets Manager (``HEARTH_STRIPE_API_KEY_SECRET_ARN``, read through
Powertools parameters, cached five minutes) or, locally, ``HEARTH_STRIPE_API_KEY``. Answers are
plain dicts (Stripe's JSON); a Stripe failure becomes a 502 problem (``stripe_unavailable``)
that names no key and quotes no body::

    customer = stripe_api.create_customer(org_id, name="Acme", email=None)
    subscription = stripe_api.subscription("sub_...")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from hearth.observability import logger
from hearth.platform_secrets import platform_secret
from hearth.problems import Problem, invalid
from hearth.settings import settings

if TYPE_CHECKING:
    import stripe

#: Per-call timeout (seconds): a route waits no longer than this for Stripe.
TIMEOUT = 10

_clients: dict[tuple[str, str], stripe.StripeClient] = {}


class StripeUnavailable(Problem):
    status = 502
    default_code = "stripe_unavailable"


def api_key() -> str:
    """The platform's Stripe secret key (``hearth.platform_secrets``)."""
    return platform_secret("stripe_api_key", "Stripe API key", json_key="api_key")


def client() -> stripe.StripeClient:
    """A client for this key and API base (made once per execution environment)."""
    import stripe

    key, base = api_key(), settings().stripe_api_base.rstrip("/")
    made = _clients.get((key, base))
    if made is None:
        made = _clients[(key, base)] = stripe.StripeClient(
            key,
            base_addresses={"api": base},
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=TIMEOUT),
        )
    return made


def _call(what: str, fn: Any, *args: Any, own_invalid: bool = False, **kwargs: Any) -> dict[str, Any]:
    """``fn(...)`` as a dict; a Stripe failure is a 502 (``own_invalid``: an invalid request
    error is raised as it is, for the caller to read)."""
    import stripe

    try:
        answer = fn(*args, **kwargs)
    except stripe.StripeError as exc:
        logger.warning(
            "stripe call failed",
            extra={"call": what, "http_status": exc.http_status, "stripe_code": exc.code},
        )
        if own_invalid and isinstance(exc, stripe.InvalidRequestError):
            raise
        raise StripeUnavailable(detail="Stripe did not answer as expected; try again in a minute.") from None
    return answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)


def create_customer(org_id: UUID | str, *, name: str, email: str | None) -> dict[str, Any]:
    """A customer for the org (``metadata.org_id``), made once: the idempotency key is the org's."""
    params: dict[str, Any] = {"name": name, "metadata": {"org_id": str(org_id)}}
    if email:
        params["email"] = email
    return _call(
        "customers.create",
        client().v1.customers.create,
        params=params,
        options={"idempotency_key": f"hearth-customer-{org_id}"},
    )


def return_url() -> str:
    """Where Checkout and the portal send the customer back (``HEARTH_BILLING_RETURN_URL``, the
    front end's billing page; else this API's ``GET /v1/billing``)."""
    cfg = settings()
    return cfg.billing_return_url or f"{(cfg.public_base_url or '').rstrip('/')}/v1/billing"


def create_checkout_session(
    org_id: UUID | str, customer_id: str, price_id: str, plan: str, interval: str
) -> dict[str, Any]:
    base = return_url()
    return _call(
        "checkout.sessions.create",
        client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(org_id),
            "line_items": [{"price": price_id, "quantity": 1}],
            "metadata": {"org_id": str(org_id), "plan": plan, "interval": interval},
            "subscription_data": {"metadata": {"org_id": str(org_id), "plan": plan}},
            "success_url": f"{base}?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{base}?checkout=canceled",
        },
    )


def create_portal_session(customer_id: str) -> dict[str, Any]:
    return _call(
        "billing_portal.sessions.create",
        client().v1.billing_portal.sessions.create,
        params={"customer": customer_id, "return_url": return_url()},
    )


def subscription(subscription_id: str) -> dict[str, Any]:
    """The subscription as Stripe holds it now."""
    return _call("subscriptions.retrieve", client().v1.subscriptions.retrieve, subscription_id)


def cancel_subscription(subscription_id: str) -> bool:
    """Cancel the subscription now (``DELETE /v1/subscriptions/{id}``); ``False`` when Stripe knows
    no such subscription (already gone: nothing left to cancel). Other failures raise
    :class:`StripeUnavailable`."""
    import stripe

    try:
        _call("subscriptions.cancel", client().v1.subscriptions.cancel, subscription_id, own_invalid=True)
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404 or exc.code == "resource_missing":
            return False
        raise StripeUnavailable(detail="Stripe did not answer as expected; try again in a minute.") from None
    return True


def invoices(customer_id: str, *, limit: int, starting_after: str | None) -> dict[str, Any]:
    """A page of the customer's invoices; 422 ``invalid_cursor`` when Stripe knows no invoice
    ``starting_after`` in this customer's list."""
    import stripe

    params: dict[str, Any] = {"customer": customer_id, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    try:
        return _call("invoices.list", client().v1.invoices.list, params=params, own_invalid=True)
    except stripe.InvalidRequestError as exc:
        if starting_after and exc.param == "starting_after":
            raise invalid(
                "cursor", "Not a cursor of this list.", "invalid_cursor", location="query"
            ) from None
        raise StripeUnavailable(detail="Stripe did not answer as expected; try again in a minute.") from None


def meter_event(event_name: str, customer_id: str, value: int, identifier: str, timestamp: int) -> None:
    """Report usage to a Stripe Billing meter; Stripe keeps one event per ``identifier``."""
    _call(
        "billing.meter_events.create",
        client().v1.billing.meter_events.create,
        params={
            "event_name": event_name,
            "identifier": identifier,
            "timestamp": timestamp,
            "payload": {"stripe_customer_id": customer_id, "value": str(value)},
        },
    )
