"""PATCH /v1/deals/{deal_id}: change some fields of a deal."""

from uuid import UUID

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal, DealUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/deals/{deal_id}", permission="deals:update")
def update_deal(ctx: RequestContext, deal_id: UUID, body: DealUpdate) -> Deal:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, deal_id, body)


handler = api.handler
