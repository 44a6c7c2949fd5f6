"""POST /v1/interactions/batch/update: change up to 100 interactions, with a result per item."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction, InteractionUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/interactions/batch/update", permission="interactions:update")
def batch_update_interactions(
    ctx: RequestContext, body: BatchUpdate[InteractionUpdate]
) -> BatchResult[Interaction]:
    """Change interactions by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
