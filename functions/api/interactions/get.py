"""GET /v1/interactions/{interaction_id}: one interaction."""

from uuid import UUID

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/interactions/{interaction_id}", permission="interactions:read")
def get_interaction(
    ctx: RequestContext, interaction_id: UUID, include_deleted: IncludeDeleted = False
) -> Interaction:
    """The interaction, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, interaction_id, include_deleted=include_deleted)


handler = api.handler
