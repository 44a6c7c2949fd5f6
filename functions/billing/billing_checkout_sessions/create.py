"""POST /v1/billing/checkout-sessions: a Stripe Checkout page to subscribe the org to a plan."""

from hearth import needs
from hearth.billing import logic
from hearth.billing.models import CheckoutSession, CheckoutSessionCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/billing/checkout-sessions",
    permission="billing:manage",
    status_code=201,
    refuses=(409, 502),
    needs=[needs.STRIPE_SDK, needs.STRIPE_API_KEY, needs.BILLING_RETURN_URL, needs.PUBLIC_URL],
)
def create_billing_checkout_session(ctx: RequestContext, body: CheckoutSessionCreate) -> CheckoutSession:
    """A Checkout Session for `plan` billed every `interval`: send the customer to its `url`.
    The org's Stripe customer is made on the first call and reused after. The plan changes when
    Stripe reports the payment (the `/webhooks/stripe` webhook), not here. 409
    `subscription_exists` when the org has a subscription (change it in the portal)."""
    return logic.checkout(ctx, body)


handler = api.handler
