"""``hearth simulate stripe ...``: any Stripe event, signed (``event``), and billing changes made at
the local Stripe stand-in, then the events Stripe sends for them::


    hearth simulate stripe checkout.session.completed --org $ORG     # pays the org's open Checkout
    hearth simulate stripe customer.subscription.updated --org $ORG --plan business
    hearth simulate stripe invoice.payment_failed --org $ORG          # past_due
    hearth simulate stripe invoice.paid --org $ORG
    hearth simulate stripe customer.subscription.deleted --org $ORG
    hearth simulate stripe customer.updated --org $ORG --email billing@example.com

The org's customer is the one Hearth made at its first Checkout (``POST
/v1/billing/checkout-sessions``), found at the stand-in by its ``metadata.org_id``.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from typing import Any

from hearth_dev.simulate.kit import (
    Delivery,
    Target,
    _json_argument,
    register,
)
from hearth_dev.standins.providers import (
    STRIPE_WEBHOOK_SECRET,
)


def stripe_event_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", required=True, help="the event type, e.g. customer.updated")
    parser.add_argument(
        "--data",
        default='{"object": {}}',
        help='the event\'s data: JSON (or @FILE) with "object" and optionally "previous_attributes"',
    )
    parser.add_argument(
        "--path", default="/webhooks/stripe", help="where Stripe sends (default: %(default)s)"
    )
    parser.add_argument(
        "--secret", default=STRIPE_WEBHOOK_SECRET, help="the endpoint secret (default: local)"
    )


def build_stripe_event(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.stripe import StripeStandIn, sign

    data = _json_argument(args.data, "--data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise SystemExit('hearth simulate: --data is an object with an "object" object')
    event = StripeStandIn.event(args.type, data["object"], data.get("previous_attributes"))
    payload = json.dumps(event, indent=2)
    return Delivery(
        args.path,
        payload.encode("utf-8"),
        {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, args.secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        label=f"stripe {args.type} {event['id']}",
    )


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", required=True, help="the org (its Stripe customer has metadata.org_id)")
    parser.add_argument("--plan", help="customer.subscription.updated: move to this plan")
    parser.add_argument("--interval", default="month", choices=("month", "year"), help="with --plan")
    parser.add_argument("--status", help="customer.subscription.updated: set this status (e.g. past_due)")
    parser.add_argument("--cancel-at-period-end", action="store_true", help="customer.subscription.updated")
    parser.add_argument("--email", help="customer.updated: the customer's new email")
    parser.add_argument(
        "--path", default="/webhooks/stripe", help="where Stripe sends (default: %(default)s)"
    )
    parser.add_argument(
        "--secret", default=STRIPE_WEBHOOK_SECRET, help="the endpoint secret (default: local)"
    )
    parser.add_argument("--standin-url", help="the Stripe stand-in (default: the running `hearth local`'s)")


def _price(plan: str | None, interval: str) -> str | None:
    if plan is None:
        return None
    from hearth import plans

    found = plans.catalogue().get(plan)
    price = found.price(interval) if found else None
    if price is None:
        raise SystemExit(f"hearth simulate: plan {plan!r} has no {interval} price")
    return price


def _builder(event_type: str) -> Any:
    def build(args: argparse.Namespace, target: Any) -> list[Any]:
        from hearth_dev.simulate import Delivery
        from hearth_dev.standins.stripe import sign

        standin = args.standin_url or ((args.local_state.get("standins") or {}).get("stripe") or {}).get(
            "url"
        )
        if not standin:
            raise SystemExit(
                "hearth simulate: no Stripe stand-in found (start `hearth local`, or pass --standin-url)"
            )
        spec: dict[str, Any] = {"event": event_type, "org": args.org}
        for name, value in (
            ("price", _price(args.plan, args.interval)),
            ("status", args.status),
            ("cancel_at_period_end", True if args.cancel_at_period_end else None),
            ("email", args.email),
        ):
            if value is not None:
                spec[name] = value
        request = urllib.request.Request(  # noqa: S310 (the developer's own stand-in)
            standin.rstrip("/") + "/_standin/billing",
            data=json.dumps(spec).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                events = json.loads(answer.read())["events"]
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"hearth simulate: the Stripe stand-in refused: {exc.read().decode()}") from None
        deliveries = []
        for event in events:
            payload = json.dumps(event, indent=2)
            deliveries.append(
                Delivery(
                    args.path,
                    payload.encode("utf-8"),
                    {
                        "Content-Type": "application/json; charset=utf-8",
                        "Stripe-Signature": sign(payload, args.secret),
                        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                    },
                    label=f"stripe {event['type']} {event['id']}",
                )
            )
        return deliveries

    return build


def register_billing_events() -> None:
    from hearth_dev.standins.stripe_billing import StripeBilling

    for event_type in StripeBilling.SIMULATED:
        register(
            "stripe",
            event_type,
            _builder(event_type),
            options=_options,
            help=f"{event_type} for an org's subscription, made at the stand-in and sent signed",
        )


register_billing_events()
register("stripe", "event", build_stripe_event, options=stripe_event_options, help="any Stripe event, signed")
