"""POST /v1/interactions/batch/create: create up to 100 interactions, with a result per item."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction, InteractionCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/interactions/batch/create", permission="interactions:create")
def batch_create_interactions(
    ctx: RequestContext, body: BatchCreate[InteractionCreate]
) -> BatchResult[Interaction]:
    """Create interactions; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
