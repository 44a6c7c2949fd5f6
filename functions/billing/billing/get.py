"""GET /v1/billing: the org's plan, subscription, seats and this month's usage against its limits."""

from hearth.billing import logic
from hearth.billing.models import Billing
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/billing", permission="billing:read")
def get_billing(ctx: RequestContext) -> Billing:
    """The plan the org is on now and its limits, the subscription's status and current period
    (and, when past_due, when writes stop), seats used, this month's SMS, emails and AI tokens
    against the plan's allowances, and when the next invoice comes."""
    return logic.overview(ctx)


handler = api.handler
