"""Billing routes' rules: Checkout and the billing portal for owners and admins, the org's
billing overview, its invoices from Stripe.

- An org has one Stripe customer, made on its first Checkout (``metadata.org_id``; the create is
  idempotent on the org, so two first Checkouts at once make one) and reused after.
- Checkout buys a plan that has a price for the interval; an org whose subscription is live
  changes it in the portal instead (409 ``subscription_exists``).
- Nothing here changes the plan: only Stripe's webhook does (``hearth.billing.subscriptions``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hearth import plans
from hearth.billing import access, store, stripe_api
from hearth.billing.models import (
    Billing,
    CheckoutSession,
    CheckoutSessionCreate,
    Invoice,
    InvoicePage,
    NextInvoice,
    PlanLimits,
    PortalSession,
    Seats,
    UsageAgainstLimit,
)
from hearth.billing.usage import METERS, resets_at
from hearth.http import RequestContext
from hearth.problems import Conflict, invalid

#: Statuses of a subscription the org is still paying (or trying to pay) for.
LIVE = frozenset({"active", "trialing", "past_due", "unpaid", "paused"})


def _org_name(ctx: RequestContext) -> str:
    row = ctx.db.execute("SELECT name FROM orgs WHERE id = %s", (ctx.org_id,)).fetchone()
    return str(row["name"]) if row else str(ctx.org_id)


def _customer(ctx: RequestContext, account: dict[str, Any]) -> str:
    if account["stripe_customer_id"]:
        return str(account["stripe_customer_id"])
    customer = stripe_api.create_customer(ctx.org_id, name=_org_name(ctx), email=account["billing_email"])
    store.set_customer(ctx.db, customer["id"])
    ctx.audit("billing.customer_create", "billing", ctx.org_id, changes={"customer": customer["id"]})
    return str(customer["id"])


def checkout(ctx: RequestContext, body: CheckoutSessionCreate) -> CheckoutSession:
    plan = plans.catalogue().get(body.plan)
    if plan is None:
        raise invalid("plan", f"No plan is called {body.plan}.", "unknown_plan")
    price = plan.price(body.interval)
    if price is None:
        raise invalid("interval", f"The {plan.name} plan cannot be bought {body.interval}ly.", "not_for_sale")
    account = store.ensure_account(ctx.db, ctx.org_id)
    if account["status"] in LIVE:
        raise Conflict(
            "subscription_exists",
            "This org has a subscription; change its plan in the billing portal"
            " (POST /v1/billing/portal-sessions).",
        )
    customer = _customer(ctx, account)
    session = stripe_api.create_checkout_session(ctx.org_id, customer, price, plan.name, body.interval)
    ctx.audit(
        "billing.checkout_create",
        "billing",
        ctx.org_id,
        changes={"plan": plan.name, "interval": body.interval, "session": session["id"]},
    )
    expires = session.get("expires_at")
    return CheckoutSession(
        id=session["id"],
        url=session["url"],
        plan=plan.name,
        interval=body.interval,
        expires_at=datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None,
    )


def portal(ctx: RequestContext) -> PortalSession:
    account = store.ensure_account(ctx.db, ctx.org_id)
    customer = _customer(ctx, account)
    session = stripe_api.create_portal_session(customer)
    ctx.audit("billing.portal_open", "billing", ctx.org_id)
    return PortalSession(id=session["id"], url=session["url"])


def overview(ctx: RequestContext) -> Billing:
    now = access.current(ctx.db)
    account = now.account or {}
    limits = now.limits
    month = store.this_month(ctx.db)
    used = store.usage_this_month(ctx.db)
    allowances = {
        "sms": limits.sms_per_month,
        "email": limits.emails_per_month,
        "ai_tokens": limits.ai_tokens_per_month,
    }
    renews = (
        account.get("status") in ("active", "trialing", "past_due")
        and not account.get("cancel_at_period_end")
        and account.get("current_period_end") is not None
    )
    return Billing(
        plan=now.plan.name,
        status=now.status,
        subscribed_plan=account.get("subscribed_plan"),
        interval=account.get("interval"),
        current_period_start=account.get("current_period_start"),
        current_period_end=account.get("current_period_end"),
        cancel_at_period_end=bool(account.get("cancel_at_period_end")),
        grace_ends_at=now.grace_ends_at,
        month=month,
        limits=PlanLimits.model_validate(limits, from_attributes=True),
        seats=Seats(used=store.seats_used(ctx.db), limit=limits.seats),
        usage={
            meter: UsageAgainstLimit(
                used=used.get(meter, 0), limit=allowances[meter], resets_at=resets_at(month)
            )
            for meter in METERS
        },
        webhook_endpoints=Seats(used=store.webhook_endpoints(ctx.db), limit=limits.webhook_endpoints),
        next_invoice=NextInvoice(date=account["current_period_end"]) if renews else None,
        has_customer=bool(account.get("stripe_customer_id")),
    )


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def invoices(ctx: RequestContext, *, limit: int, cursor: str | None) -> InvoicePage:
    if cursor is not None and not (cursor.startswith("in_") and cursor[3:].isalnum() and len(cursor) <= 255):
        raise invalid("cursor", "Not a cursor of this list.", "invalid_cursor", location="query")
    account = store.account(ctx.db)
    if account is None or not account["stripe_customer_id"]:
        return InvoicePage(data=[], next_cursor=None)
    page = stripe_api.invoices(account["stripe_customer_id"], limit=limit, starting_after=cursor)
    data = [
        Invoice(
            id=item["id"],
            number=item.get("number"),
            status=item.get("status"),
            currency=item.get("currency") or "usd",
            amount_due=int(item.get("amount_due") or 0),
            amount_paid=int(item.get("amount_paid") or 0),
            total=int(item.get("total") or 0),
            created=_time(item.get("created")) or datetime.now(UTC),
            period_start=_time(item.get("period_start")),
            period_end=_time(item.get("period_end")),
            hosted_invoice_url=item.get("hosted_invoice_url"),
            invoice_pdf=item.get("invoice_pdf"),
        )
        for item in page.get("data") or []
        if item.get("customer") == account["stripe_customer_id"]
    ]
    more = bool(page.get("has_more")) and bool(data)
    return InvoicePage(data=data, next_cursor=data[-1].id if more else None)
