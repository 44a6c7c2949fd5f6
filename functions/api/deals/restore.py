"""POST /v1/deals/{deal_id}/restore: undo the soft delete of a deal."""

from uuid import UUID

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/deals/{deal_id}/restore", permission="deals:delete")
def restore_deal(ctx: RequestContext, deal_id: UUID) -> Deal:
    """Restore a deleted deal."""
    return logic.restore(ctx, deal_id)


handler = api.handler
