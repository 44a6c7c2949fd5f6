"""What Stripe's events do to an org (the ``/webhooks/stripe`` hook's effects), in the org's
transaction, after the kit verified the delivery and claimed its event id.

Out of order safe: an event is only a prompt. Every subscription event (and Checkout's
completion, and an invoice's) reads the subscription as Stripe holds it *now* and applies that,
holding the org's billing row locked from before the read until the commit, so deliveries of one
org apply one after another and the last to commit has read the newest state; an older event
arriving late reads the same current state and changes nothing. The event's own snapshot is
never applied.

A subscription counts only if it is this org's customer's (a customer id belongs to one org:
an event or a subscription naming another customer changes nothing). Every change of plan writes
a ``billing.plan_changed`` audit row and emits ``billing.plan_changed``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hearth import clock, plans
from hearth.billing import access, store, stripe_api
from hearth.hooks import HookContext
from hearth.observability import logger

PLAN_CHANGED = "billing.plan_changed"
#: Statuses of a subscription that holds no plan (now or any more).
NOT_LIVE = frozenset({"none", "incomplete", "canceled", "incomplete_expired"})
SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
)
HANDLED = SUBSCRIPTION_EVENTS | {
    "checkout.session.completed",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.updated",
}


def customer_of(payload: dict[str, Any]) -> str | None:
    """The Stripe customer an event is about (the key of the org lookup)."""
    obj = ((payload.get("data") or {}).get("object")) or {}
    if not isinstance(obj, dict):
        return None
    value = obj.get("id") if obj.get("object") == "customer" else obj.get("customer")
    if isinstance(value, dict):  # an expanded customer
        value = value.get("id")
    return value if isinstance(value, str) and value.startswith("cus_") else None


def apply(ctx: HookContext) -> None:
    """Apply one verified Stripe event to its org."""
    event_type = ctx.delivery.event
    if event_type not in HANDLED:
        return
    obj: dict[str, Any] = ctx.payload["data"]["object"]
    account = store.ensure_account(ctx.db, ctx.org_id)  # locked until commit
    if account["stripe_customer_id"] != customer_of(ctx.payload):
        logger.warning("stripe event for another customer", extra={"event": event_type})
        return
    if event_type == "customer.updated":
        email = obj.get("email")
        if email != account["billing_email"]:
            store.set_billing_email(ctx.db, email if isinstance(email, str) else None)
            ctx.audit("billing.customer_update", "billing", ctx.org_id, changes={"fields": ["email"]})
        return
    if event_type == "checkout.session.completed":
        if obj.get("mode") != "subscription" or obj.get("client_reference_id") not in (None, str(ctx.org_id)):
            return
        subscription_id = _id(obj.get("subscription"))
    elif event_type in SUBSCRIPTION_EVENTS:
        subscription_id = _id(obj.get("id"))
    else:
        subscription_id = _invoice_subscription(obj)
        invoice_id = obj.get("id")
        if isinstance(invoice_id, str):  # recorded as it happened; the state comes from the subscription
            ctx.audit(
                "billing.invoice_paid" if event_type == "invoice.paid" else "billing.invoice_payment_failed",
                "billing",
                ctx.org_id,
                changes={"invoice": invoice_id, "amount_due": obj.get("amount_due")},
            )
    if subscription_id:
        sync(ctx, account, subscription_id)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value.startswith("sub_") else None


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    """An invoice's subscription (``subscription`` before API 2025-03-31, ``parent`` since)."""
    found = _id(invoice.get("subscription"))
    if found:
        return found
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {} if isinstance(parent, dict) else {}
    return _id(details.get("subscription")) if isinstance(details, dict) else None


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) and value > 0 else None


def state_of(subscription: dict[str, Any], account: dict[str, Any]) -> dict[str, Any] | None:
    """The columns a subscription sets (``None``: its price is no plan of ours)."""
    items = ((subscription.get("items") or {}).get("data")) or []
    item = items[0] if items else {}
    price = (item.get("price") or {}).get("id") if isinstance(item.get("price"), dict) else item.get("price")
    if not isinstance(price, str):
        return None
    plan = plans.by_price(price)
    if plan is None:
        return None
    status = str(subscription.get("status") or "incomplete")
    overdue = status in access.OVERDUE
    return {
        "subscription_id": subscription["id"],
        "price_id": price,
        "interval": plans.interval_of(price),
        "status": status,
        "plan": plan.name,
        # Since API 2025-03-31 the period is the item's; before, the subscription's.
        "period_start": _time(item.get("current_period_start") or subscription.get("current_period_start")),
        "period_end": _time(item.get("current_period_end") or subscription.get("current_period_end")),
        "cancel_at_period_end": bool(subscription.get("cancel_at_period_end")),
        "past_due_since": (account["past_due_since"] or clock.now()) if overdue else None,
    }


def sync(ctx: HookContext, account: dict[str, Any], subscription_id: str) -> None:
    """Read the subscription from Stripe and make the org's account and plan say what it says."""
    subscription = stripe_api.subscription(subscription_id)
    customer = subscription.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if customer != account["stripe_customer_id"]:
        logger.warning("stripe subscription of another customer", extra={"subscription": subscription_id})
        return
    state = state_of(subscription, account)
    if state is None:
        logger.warning("stripe subscription with a price of no plan", extra={"subscription": subscription_id})
        return
    current = account["stripe_subscription_id"]
    other_live = current and current != subscription_id and account["status"] not in NOT_LIVE
    if other_live and state["status"] in NOT_LIVE:
        return  # the org has another live subscription: one that is not live does not replace it
    store.save_subscription(ctx.db, state)
    if state["status"] != account["status"] or state["plan"] != account["subscribed_plan"]:
        ctx.audit(
            "billing.subscription_update",
            "billing",
            ctx.org_id,
            changes={
                "subscription": subscription_id,
                "status": [account["status"], state["status"]],
                "plan": [account["subscribed_plan"], state["plan"]],
            },
        )
    if state["status"] == "incomplete":
        return  # not paid yet: the plan changes when it is
    target = access.effective_plan(
        state["plan"],
        {"status": state["status"], "current_period_end": state["period_end"]},
        clock.now(),
    )
    change_plan(ctx, target, reason=state["status"])


def change_plan(ctx: Any, plan: str, *, reason: str) -> bool:
    """Set the org's plan; a change writes its audit row and emits ``billing.plan_changed``.
    ``ctx`` holds the org's open transaction (a webhook's or the schedule's)."""
    previous = store.set_plan(ctx.db, plan)
    if previous == plan:
        return False
    ranks = (plans.get(previous).rank, plans.get(plan).rank)
    data = {
        "from": previous,
        "to": plan,
        "direction": "upgrade" if ranks[1] > ranks[0] else "downgrade",
        "reason": reason,
    }
    ctx.audit(PLAN_CHANGED, "billing", ctx.org_id, changes=data)
    ctx.emit(PLAN_CHANGED, "billing", ctx.org_id, data=data)
    return True
