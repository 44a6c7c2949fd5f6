"""The Stripe API as Hearth uses it: customers, Checkout and billing portal sessions, the account;
and events sent the way Stripe sends them (``Stripe-Signature: t=…,v1=…``).

Point the real SDK at it::

    client = stripe.StripeClient(secret_key, base_addresses={"api": standin.url})
    customer = client.v1.customers.create(params={"email": "ada@example.com"})

Requests are form-encoded, as stripe-python sends them (``metadata[plan]=pro``,
``line_items[0][price]=…``); errors are ``{"error": {"type", "code", "message", "param"}}`` with
Stripe's statuses; a POST with an ``Idempotency-Key`` seen before is answered as the first time.
:meth:`StripeStandIn.send_event` signs an event with the endpoint secret and POSTs it::

    standin.send_event("customer.updated", customer, "http://localhost:3000/webhooks/stripe")
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from typing import Any

from hearth_dev.standins.server import Answer, Callback, Request, StandIn
from hearth_dev.standins.stripe_billing import StripeBilling
from hearth_dev.standins.stripe_forms import _id, decode_form

API_VERSION = "2025-03-31.basil"


class StripeStandIn(StripeBilling, StandIn):
    name = "stripe"

    def __init__(self, secret_key: str, endpoint_secret: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret_key = secret_key
        self.endpoint_secret = endpoint_secret
        self.account_id = "acct_" + hashlib.sha256(secret_key.encode()).hexdigest()[:16]
        self.customers: dict[str, dict[str, Any]] = {}
        self._replays: dict[str, tuple[str, Answer]] = {}
        self._state = threading.Lock()
        self.route("POST", r"/v1/customers", self.create_customer)
        self.route("GET", r"/v1/customers/(?P<customer_id>[^/]+)", self.fetch_customer)
        self.route("POST", r"/v1/customers/(?P<customer_id>[^/]+)", self.update_customer)
        self.route("POST", r"/v1/checkout/sessions", self.create_checkout_session)
        self.route("POST", r"/v1/billing_portal/sessions", self.create_portal_session)
        self.route("GET", r"/v1/account", self.fetch_account)
        self._billing_init()

    def error(self, status: int, message: str, *, type_: str = "", code: str = "", param: str = "") -> Answer:
        kind = type_ or {401: "invalid_request_error", 402: "card_error", 429: "invalid_request_error"}.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        error: dict[str, Any] = {"type": kind, "message": message}
        if code or status == 429:
            error["code"] = code or "rate_limit"
        if param:
            error["param"] = param
        return Answer.json(status, {"error": error}, {"Request-Id": _id("req")})

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "account": self.account_id}

    # -- serving: auth, idempotency ---------------------------------------------------------------

    def _dispatch(self, request: Request) -> Answer:
        if request.path.startswith("/checkout/"):  # the Checkout page: the customer's browser
            return self._answer(request)
        return self._authenticated(request)

    def _authenticated(self, request: Request) -> Answer:
        key = request.bearer() or (request.basic_auth() or ("", ""))[0]
        if not key:
            return self.error(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization"
                " header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not secrets.compare_digest(key, self.secret_key):
            return self.error(
                401, f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}"
            )
        idempotency_key = request.headers.get("idempotency-key")
        if request.method != "POST" or not idempotency_key:
            return self._answer(request)
        fingerprint = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
        with self._state:
            seen = self._replays.get(idempotency_key)
        if seen is not None:
            if seen[0] != fingerprint:
                return self.error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were"
                    " first used with.",
                    type_="idempotency_error",
                )
            first = seen[1]
            return Answer(first.status, first.body, {**first.headers, "Idempotent-Replayed": "true"})
        answer = self._answer(request)
        if answer.status < 500:
            with self._state:
                self._replays[idempotency_key] = (fingerprint, answer)
        return answer

    def _answer(self, request: Request) -> Answer:
        answer = super()._dispatch(request)
        answer.headers.setdefault("Request-Id", _id("req"))
        answer.headers.setdefault("Stripe-Version", request.headers.get("stripe-version") or API_VERSION)
        return answer

    # -- customers --------------------------------------------------------------------------------

    _CUSTOMER_FIELDS = ("email", "name", "phone", "description")

    def create_customer(self, request: Request) -> Answer:
        params = decode_form(request.body)
        customer: dict[str, Any] = {
            "id": _id("cus"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": int(time.time()),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "discount": None,
            "email": None,
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
            "livemode": False,
            "metadata": {},
            "name": None,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        problem = self._apply(customer, params)
        if problem:
            return problem
        with self._state:
            self.customers[customer["id"]] = customer
        return Answer.json(200, customer)

    def _apply(self, customer: dict[str, Any], params: dict[str, Any]) -> Answer | None:
        for name, value in params.items():
            if name in self._CUSTOMER_FIELDS:
                customer[name] = value or None
            elif name == "metadata":
                if not isinstance(value, dict):
                    return self.error(400, "Invalid object", code="parameter_invalid_empty", param="metadata")
                for key, item in value.items():
                    if item == "":
                        customer["metadata"].pop(key, None)
                    else:
                        customer["metadata"][key] = item
            elif name != "expand":
                return self.error(
                    400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
                )
        return None

    def _customer(self, customer_id: str) -> dict[str, Any] | None:
        with self._state:
            return self.customers.get(customer_id)

    def _no_customer(self, customer_id: str, param: str = "id") -> Answer:
        return self.error(404, f"No such customer: '{customer_id}'", code="resource_missing", param=param)

    def fetch_customer(self, request: Request, customer_id: str) -> Answer:
        customer = self._customer(customer_id)
        return Answer.json(200, customer) if customer else self._no_customer(customer_id)

    def update_customer(self, request: Request, customer_id: str) -> Answer:
        customer = self._customer(customer_id)
        if customer is None:
            return self._no_customer(customer_id)
        with self._state:
            problem = self._apply(customer, decode_form(request.body))
        return problem or Answer.json(200, customer)

    # -- sessions ---------------------------------------------------------------------------------

    def create_checkout_session(self, request: Request) -> Answer:
        params = decode_form(request.body)
        mode = params.get("mode")
        if not mode:
            return self.error(400, "Missing required param: mode.", code="parameter_missing", param="mode")
        if mode not in ("payment", "setup", "subscription"):
            return self.error(400, f"Invalid mode: {mode}", code="parameter_invalid_string", param="mode")
        if mode != "setup" and not params.get("line_items"):
            return self.error(
                400,
                f"You must provide at least one line item in `{mode}` mode.",
                code="parameter_missing",
                param="line_items",
            )
        customer = params.get("customer")
        if customer and self._customer(customer) is None:
            return self._no_customer(customer, "customer")
        session_id = _id("cs_test")
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": None,
            "customer": customer,
            "customer_email": params.get("customer_email"),
            "expires_at": now + 24 * 3600,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": mode,
            "payment_status": "unpaid" if mode != "setup" else "no_payment_required",
            "status": "open",
            "subscription": None,
            "success_url": params.get("success_url"),
            "url": f"{self.url}/checkout/pay/{session_id}",
        }
        with self._state:
            self.sessions[session_id] = {
                **session,
                "line_items": params.get("line_items") or [],
                "subscription_data": params.get("subscription_data") or {},
            }
        return Answer.json(200, session)

    def create_portal_session(self, request: Request) -> Answer:
        params = decode_form(request.body)
        customer = params.get("customer")
        if not customer:
            return self.error(
                400, "Missing required param: customer.", code="parameter_missing", param="customer"
            )
        if self._customer(customer) is None:
            return self._no_customer(customer, "customer")
        session_id = _id("bps")
        return Answer.json(
            200,
            {
                "id": session_id,
                "object": "billing_portal.session",
                "configuration": "bpc_local",
                "created": int(time.time()),
                "customer": customer,
                "flow": None,
                "livemode": False,
                "locale": None,
                "on_behalf_of": None,
                "return_url": params.get("return_url"),
                "url": f"{self.url}/billing/p/session/{session_id}",
            },
        )

    def fetch_account(self, request: Request) -> Answer:
        return Answer.json(
            200,
            {
                "id": self.account_id,
                "object": "account",
                "business_profile": {"name": "Local stand-in", "url": None},
                "charges_enabled": True,
                "country": "US",
                "created": 0,
                "default_currency": "usd",
                "details_submitted": True,
                "email": None,
                "payouts_enabled": True,
                "type": "standard",
            },
        )

    # -- events -----------------------------------------------------------------------------------

    @staticmethod
    def event(
        type_: str, data_object: dict[str, Any], previous_attributes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A Stripe event envelope around ``data_object``."""
        data: dict[str, Any] = {"object": data_object}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        return {
            "id": _id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }

    def send_event(
        self,
        type_: str,
        data_object: dict[str, Any],
        url: str,
        previous_attributes: dict[str, Any] | None = None,
    ) -> Callback:
        """Sign an event with the endpoint secret and POST it to ``url``, as Stripe does."""
        return self.deliver(self.event(type_, data_object, previous_attributes), url)

    def deliver(self, event: dict[str, Any], url: str) -> Callback:
        """Sign ``event`` (an envelope of :meth:`event`) and POST it to ``url``."""
        type_ = event["type"]
        payload = json.dumps(event, indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, self.endpoint_secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return self.callback(url, payload.encode("utf-8"), headers, label=f"event {type_} {event['id']}")


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header of ``payload``: ``t=<time>,v1=<HMAC-SHA256 of
    "t.payload" with the endpoint secret>``, computed by stripe-python's own function."""
    from stripe import WebhookSignature

    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={WebhookSignature._compute_signature(f'{t}.{payload}', secret)}"
