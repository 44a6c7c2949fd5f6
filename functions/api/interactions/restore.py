"""POST /v1/interactions/{interaction_id}/restore: undo the soft delete of an interaction."""

from uuid import UUID

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/interactions/{interaction_id}/restore", permission="interactions:delete")
def restore_interaction(ctx: RequestContext, interaction_id: UUID) -> Interaction:
    """Restore a deleted interaction (409 if its external_ref was recorded again)."""
    return logic.restore(ctx, interaction_id)


handler = api.handler
