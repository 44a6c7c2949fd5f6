"""POST /v1/deals/batch/create: create up to 100 deals, with a result per item."""

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal, DealCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/deals/batch/create", permission="deals:create")
def batch_create_deals(ctx: RequestContext, body: BatchCreate[DealCreate]) -> BatchResult[Deal]:
    """Create deals; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
