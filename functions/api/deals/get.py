"""GET /v1/deals/{deal_id}: one deal."""

from uuid import UUID

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/deals/{deal_id}", permission="deals:read")
def get_deal(ctx: RequestContext, deal_id: UUID, include_deleted: IncludeDeleted = False) -> Deal:
    """The deal, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, deal_id, include_deleted=include_deleted)


handler = api.handler
