"""DELETE /v1/deals/{deal_id}: soft-delete a deal."""

from uuid import UUID

from hearth.crm.deals import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/deals/{deal_id}", permission="deals:delete", status_code=204)
def delete_deal(ctx: RequestContext, deal_id: UUID) -> None:
    """Soft-delete a deal (restore with POST …/restore). Members delete their own."""
    logic.delete(ctx, deal_id)


handler = api.handler
