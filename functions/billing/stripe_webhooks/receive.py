"""POST /webhooks/stripe: Stripe's events about Hearth's customers (subscriptions, Checkout,
invoices, customers), verified with the platform's endpoint secret(s)."""

from hearth import needs
from hearth.billing import subscriptions
from hearth.hooks import Hook, HookContext, lookups

hook = Hook()


@hook.post(
    "/webhooks/stripe",
    provider="stripe",
    org=lookups.org_by("hearth_org_of_stripe_customer", lambda d: subscriptions.customer_of(d.payload)),
    needs=[needs.STRIPE_SDK, needs.STRIPE_WEBHOOK_SECRET, needs.STRIPE_API_KEY, needs.EVENTS],
)
def receive_stripe_event(ctx: HookContext) -> None:
    """Apply the event to its customer's org: the subscription is read from Stripe as it is now."""
    subscriptions.apply(ctx)


handler = hook.handler
