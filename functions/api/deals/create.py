"""POST /v1/deals: create a deal."""

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal, DealCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/deals", permission="deals:create", status_code=201)
def create_deal(ctx: RequestContext, body: DealCreate) -> Deal:
    """Create a deal, in the default pipeline's first stage unless told otherwise."""
    return logic.create(ctx, body)


handler = api.handler
