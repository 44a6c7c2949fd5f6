"""POST /v1/deals/batch/update: change up to 100 deals, with a result per item."""

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal, DealUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/deals/batch/update", permission="deals:update")
def batch_update_deals(ctx: RequestContext, body: BatchUpdate[DealUpdate]) -> BatchResult[Deal]:
    """Change deals by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
