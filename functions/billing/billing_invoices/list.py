"""GET /v1/billing/invoices: the org's invoices, from Stripe, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth import needs
from hearth.billing import logic
from hearth.billing.models import InvoicePage
from hearth.http import Api, RequestContext

api = Api()

Limit = Annotated[int, Query(ge=1, le=100, description="How many invoices (1-100).")]
Cursor = Annotated[str | None, Query(max_length=255, description="`next_cursor` of the page before.")]


@api.get(
    "/v1/billing/invoices",
    permission="billing_invoices:read",
    refuses=(502,),
    needs=[needs.STRIPE_SDK, needs.STRIPE_API_KEY],
)
def list_billing_invoices(ctx: RequestContext, limit: Limit = 10, cursor: Cursor = None) -> InvoicePage:
    """The org's invoices as Stripe holds them, newest first, a page at a time (an org that never
    subscribed has none). 502 `stripe_unavailable` when Stripe does not answer."""
    return logic.invoices(ctx, limit=limit, cursor=cursor)


handler = api.handler
