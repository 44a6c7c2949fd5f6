"""The billing half of the Stripe stand-in: subscriptions, invoices, meter events and a local
Checkout page. Paying on the page (or :meth:`StripeBilling.complete_checkout`) creates the
subscription and its paid invoice and sends ``customer.subscription.created``, ``invoice.paid``
and ``checkout.session.completed``, signed, to :attr:`webhook_url`, the way Stripe does; the
other state changes (:meth:`update_subscription`, :meth:`fail_payment`, :meth:`pay_invoice`,
:meth:`cancel_subscription`) send theirs. Each returns the events it made, so a test can also
deliver them itself (in another order, twice...) with ``send=False``.

API version 2025-03-31 shapes: a subscription's period is on its items, an invoice names its
subscription under ``parent.subscription_details``.
"""

from __future__ import annotations

import html
import time
from typing import Any

from hearth_dev.standins.records import Answer, Request
from hearth_dev.standins.stripe_forms import _id, decode_form

MONTH = 30 * 24 * 3600
YEAR = 365 * 24 * 3600


class StripeBilling:
    """Mixed into :class:`hearth_dev.standins.stripe.StripeStandIn`."""

    # Provided by the stand-in.
    url: str
    customers: dict[str, dict[str, Any]]

    def _billing_init(self) -> None:
        #: Where events are sent (``None``: nowhere; ``hearth local`` sets it).
        self.webhook_url: str | None = None
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.meter_events: dict[str, dict[str, Any]] = {}
        self.route("GET", r"/v1/subscriptions/(?P<subscription_id>[^/]+)", self.fetch_subscription)  # type: ignore[attr-defined]
        self.route("DELETE", r"/v1/subscriptions/(?P<subscription_id>[^/]+)", self.delete_subscription)  # type: ignore[attr-defined]
        self.route("GET", r"/v1/invoices", self.list_invoices)  # type: ignore[attr-defined]
        self.route("POST", r"/v1/billing/meter_events", self.create_meter_event)  # type: ignore[attr-defined]
        self.route("GET", r"/checkout/pay/(?P<session_id>[^/]+)", self.checkout_page)  # type: ignore[attr-defined]
        self.route("POST", r"/checkout/pay/(?P<session_id>[^/]+)", self.checkout_pay)  # type: ignore[attr-defined]

    # -- the API ------------------------------------------------------------------------------------

    def fetch_subscription(self, request: Request, subscription_id: str) -> Answer:
        found = self.subscriptions.get(subscription_id)
        if found is None:
            return self.error(  # type: ignore[attr-defined,no-any-return]
                404, f"No such subscription: '{subscription_id}'", code="resource_missing", param="id"
            )
        return Answer.json(200, found)

    def delete_subscription(self, request: Request, subscription_id: str) -> Answer:
        """Cancel a subscription now (Stripe's ``DELETE /v1/subscriptions/{id}``): the subscription,
        ``status`` ``canceled``, and ``customer.subscription.deleted`` sent; one already canceled
        is answered as it is."""
        found = self.subscriptions.get(subscription_id)
        if found is None:
            return self.error(  # type: ignore[attr-defined,no-any-return]
                404, f"No such subscription: '{subscription_id}'", code="resource_missing", param="id"
            )
        if found["status"] != "canceled":
            self.cancel_subscription(subscription_id)
        return Answer.json(200, self.subscriptions[subscription_id])

    def list_invoices(self, request: Request) -> Answer:
        query = {k: v[-1] for k, v in request.query.items()}
        limit = max(1, min(100, int(query.get("limit") or 10)))
        found = sorted(
            (
                i
                for i in self.invoices.values()
                if not query.get("customer") or i["customer"] == query["customer"]
            ),
            key=lambda i: (i["created"], i["id"]),
            reverse=True,
        )
        after = query.get("starting_after")
        if after:
            ids = [i["id"] for i in found]
            if after not in ids:
                return self.error(  # type: ignore[attr-defined,no-any-return]
                    404, f"No such invoice: '{after}'", code="resource_missing", param="starting_after"
                )
            found = found[ids.index(after) + 1 :]
        page = found[:limit]
        return Answer.json(
            200, {"object": "list", "url": "/v1/invoices", "has_more": len(found) > limit, "data": page}
        )

    def create_meter_event(self, request: Request) -> Answer:
        params = decode_form(request.body)
        payload = params.get("payload") or {}
        if (
            not params.get("event_name")
            or not isinstance(payload, dict)
            or not payload.get("stripe_customer_id")
        ):
            return self.error(400, "Missing required param: event_name or payload.", code="parameter_missing")  # type: ignore[attr-defined,no-any-return]
        identifier = params.get("identifier") or _id("mev")
        event = self.meter_events.setdefault(
            identifier,
            {
                "object": "billing.meter_event",
                "created": int(time.time()),
                "event_name": params["event_name"],
                "identifier": identifier,
                "livemode": False,
                "payload": payload,
                "timestamp": int(params.get("timestamp") or time.time()),
            },
        )
        return Answer.json(200, event)

    # -- the local Checkout page ----------------------------------------------------------------------

    def checkout_page(self, request: Request, session_id: str) -> Answer:
        session = self.sessions.get(session_id)
        if session is None:
            return Answer(404, b"No such Checkout Session", {"Content-Type": "text/plain"})
        price = html.escape(session["line_items"][0]["price"])
        customer = html.escape(str(session["customer"]))
        target = f"/checkout/pay/{html.escape(session_id)}"
        action = f'<form method="post" action="{target}"><button>Pay</button></form>'
        cancel = html.escape(str(session.get("cancel_url") or "#"))
        body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Local Checkout</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>Local Checkout</h1><p>Stripe stand-in: no card, no money.</p>
<p>Price <code>{price}</code> for customer <code>{customer}</code>.</p>
{"<p>Paid.</p>" if session["status"] == "complete" else action}
<p><a href="{cancel}">Cancel</a></p></body></html>"""
        return Answer(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def checkout_pay(self, request: Request, session_id: str) -> Answer:
        session = self.sessions.get(session_id)
        if session is None:
            return Answer(404, b"No such Checkout Session", {"Content-Type": "text/plain"})
        if session["status"] != "complete":
            events = self.complete_checkout(session_id, send=False)
            self.later(lambda: self._send_all(events))  # type: ignore[attr-defined]
        back = str(session.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", session_id)
        body = f'<!doctype html><p>Paid. <a href="{html.escape(back)}">Back</a></p>'
        return Answer(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    # -- state changes (each answers the events it made) ----------------------------------------------

    def complete_checkout(self, session_id: str, *, send: bool = True) -> list[dict[str, Any]]:
        """Pay the session: its subscription (active) and paid invoice, and their events."""
        session = self.sessions[session_id]
        price = session["line_items"][0]["price"]
        now = int(time.time())
        length = YEAR if "year" in price else MONTH
        subscription_id = _id("sub")
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "cancel_at_period_end": False,
            "canceled_at": None,
            "created": now,
            "customer": session["customer"],
            "ended_at": None,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _id("si"),
                        "object": "subscription_item",
                        "current_period_start": now,
                        "current_period_end": now + length,
                        "price": self._price(price),
                        "quantity": 1,
                    }
                ],
            },
            "latest_invoice": None,
            "livemode": False,
            "metadata": (session.get("subscription_data") or {}).get("metadata") or {},
            "status": "active",
        }
        self.subscriptions[subscription_id] = subscription
        invoice = self._invoice(subscription, "paid")
        session.update(status="complete", payment_status="paid", subscription=subscription_id)
        events = [
            self.event("customer.subscription.created", dict(subscription)),  # type: ignore[attr-defined]
            self.event("invoice.paid", dict(invoice)),  # type: ignore[attr-defined]
            self.event("checkout.session.completed", dict(session)),  # type: ignore[attr-defined]
        ]
        return self._maybe_send(events, send)

    def update_subscription(
        self,
        subscription_id: str,
        *,
        price: str | None = None,
        status: str | None = None,
        cancel_at_period_end: bool | None = None,
        send: bool = True,
    ) -> list[dict[str, Any]]:
        """Change the subscription as the portal (or a dunning step) would."""
        subscription = self.subscriptions[subscription_id]
        previous: dict[str, Any] = {}
        if price is not None:
            item = subscription["items"]["data"][0]
            previous["items"] = {"data": [{"price": dict(item["price"])}]}
            item["price"] = self._price(price)
        if status is not None:
            previous["status"] = subscription["status"]
            subscription["status"] = status
        if cancel_at_period_end is not None:
            previous["cancel_at_period_end"] = subscription["cancel_at_period_end"]
            subscription["cancel_at_period_end"] = cancel_at_period_end
        event = self.event("customer.subscription.updated", _copy(subscription), previous)  # type: ignore[attr-defined]
        return self._maybe_send([event], send)

    def fail_payment(self, subscription_id: str, *, send: bool = True) -> list[dict[str, Any]]:
        """The renewal's payment failed: an open invoice and the subscription past_due."""
        invoice = self._invoice(self.subscriptions[subscription_id], "open")
        events = [self.event("invoice.payment_failed", dict(invoice))]  # type: ignore[attr-defined]
        return self._maybe_send(
            events + self.update_subscription(subscription_id, status="past_due", send=False), send
        )

    def pay_invoice(self, subscription_id: str, *, send: bool = True) -> list[dict[str, Any]]:
        """The open invoice was paid: the subscription active again."""
        subscription = self.subscriptions[subscription_id]
        invoice = next(
            (i for i in self.invoices.values() if i["status"] == "open" and _sub_of(i) == subscription_id),
            None,
        ) or self._invoice(subscription, "paid")
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
        events = [self.event("invoice.paid", dict(invoice))]  # type: ignore[attr-defined]
        return self._maybe_send(
            events + self.update_subscription(subscription_id, status="active", send=False), send
        )

    def cancel_subscription(self, subscription_id: str, *, send: bool = True) -> list[dict[str, Any]]:
        """Cancel now (the period already paid for still runs to its end)."""
        subscription = self.subscriptions[subscription_id]
        now = int(time.time())
        subscription.update(status="canceled", canceled_at=now, ended_at=now)
        return self._maybe_send([self.event("customer.subscription.deleted", _copy(subscription))], send)  # type: ignore[attr-defined]

    # -- `hearth simulate stripe <event> --org ...` ------------------------------------------------------

    #: What ``POST /_standin/billing`` can make happen, and how.
    SIMULATED = (
        "checkout.session.completed",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
        "customer.updated",
    )

    def _control(self, request: Request) -> Answer:
        if request.path == "/_standin/billing" and request.method == "POST":
            try:
                spec = request.json()
                events = self.simulate(**spec) if isinstance(spec, dict) else None
            except (ValueError, TypeError, LookupError) as exc:
                return Answer.json(400, {"error": str(exc)})
            return Answer.json(200, {"events": events})
        return super()._control(request)  # type: ignore[misc,no-any-return]

    def simulate(
        self,
        event: str,
        org: str,
        price: str | None = None,
        status: str | None = None,
        cancel_at_period_end: bool | None = None,
        email: str | None = None,
    ) -> list[dict[str, Any]]:
        """Make ``event`` happen to the org's customer (found by ``metadata.org_id``, made by
        Hearth's first Checkout) and answer the events Stripe would send (not sent)."""
        if event not in self.SIMULATED:
            raise ValueError(f"can simulate {', '.join(self.SIMULATED)}; not {event}")
        customer = next((c for c in self.customers.values() if c["metadata"].get("org_id") == org), None)
        if customer is None:
            raise LookupError(
                f"org {org} has no Stripe customer: open a Checkout first"
                " (POST /v1/billing/checkout-sessions)"
            )
        if event == "customer.updated":
            previous = {"email": customer.get("email")}
            customer["email"] = email
            return [self.event(event, dict(customer), previous)]  # type: ignore[attr-defined]
        if event == "checkout.session.completed":
            session = next(
                (
                    s
                    for s in reversed(self.sessions.values())
                    if s["customer"] == customer["id"] and s["status"] == "open"
                ),
                None,
            )
            if session is None:
                raise LookupError(f"org {org} has no open Checkout Session: open one first")
            return self.complete_checkout(session["id"], send=False)
        subscription = next(
            (s for s in reversed(self.subscriptions.values()) if s["customer"] == customer["id"]), None
        )
        if subscription is None:
            raise LookupError(f"org {org} has no subscription: complete a Checkout first")
        if event == "customer.subscription.deleted":
            return self.cancel_subscription(subscription["id"], send=False)
        if event == "invoice.paid":
            return self.pay_invoice(subscription["id"], send=False)
        if event == "invoice.payment_failed":
            return self.fail_payment(subscription["id"], send=False)
        return self.update_subscription(
            subscription["id"],
            price=price,
            status=status,
            cancel_at_period_end=cancel_at_period_end,
            send=False,
        )

    # -- parts ------------------------------------------------------------------------------------------

    def _price(self, price: str) -> dict[str, Any]:
        interval = "year" if "year" in price else "month"
        return {
            "id": price,
            "object": "price",
            "active": True,
            "currency": "usd",
            "recurring": {"interval": interval, "interval_count": 1, "usage_type": "licensed"},
            "type": "recurring",
            "unit_amount": 12000 if interval == "year" else 1200,
        }

    def _invoice(self, subscription: dict[str, Any], status: str) -> dict[str, Any]:
        item = subscription["items"]["data"][0]
        amount = int(item["price"]["unit_amount"])
        invoice_id = _id("in")
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "amount_due": amount,
            "amount_paid": amount if status == "paid" else 0,
            "amount_remaining": 0 if status == "paid" else amount,
            "created": int(time.time()) + len(self.invoices),  # newest last, even within a second
            "currency": "usd",
            "customer": subscription["customer"],
            "hosted_invoice_url": f"{self.url}/invoices/{invoice_id}",
            "invoice_pdf": f"{self.url}/invoices/{invoice_id}/pdf",
            "livemode": False,
            "number": f"LOCAL-{len(self.invoices) + 1:04d}",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription["id"], "metadata": {}},
            },
            "period_start": item["current_period_start"],
            "period_end": item["current_period_end"],
            "status": status,
            "total": amount,
        }
        self.invoices[invoice_id] = invoice
        subscription["latest_invoice"] = invoice_id
        return invoice

    def _maybe_send(self, events: list[dict[str, Any]], send: bool) -> list[dict[str, Any]]:
        if send:
            self._send_all(events)
        return events

    def _send_all(self, events: list[dict[str, Any]]) -> None:
        if self.webhook_url:
            for event in events:
                self.deliver(event, self.webhook_url)  # type: ignore[attr-defined]


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(value)


def _sub_of(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")
