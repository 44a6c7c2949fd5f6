"""POST /v1/billing/portal-sessions: a Stripe billing portal session for the org's customer."""

from hearth import needs
from hearth.billing import logic
from hearth.billing.models import PortalSession
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/billing/portal-sessions",
    permission="billing:manage",
    status_code=201,
    refuses=(502,),
    needs=[needs.STRIPE_SDK, needs.STRIPE_API_KEY, needs.BILLING_RETURN_URL, needs.PUBLIC_URL],
)
def create_billing_portal_session(ctx: RequestContext) -> PortalSession:
    """A billing portal session: send the customer to its `url` to change the plan, the card or
    cancel; what they change there reaches Hearth through Stripe's webhook."""
    return logic.portal(ctx)


handler = api.handler
