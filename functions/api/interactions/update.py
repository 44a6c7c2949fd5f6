"""PATCH /v1/interactions/{interaction_id}: change some fields of an interaction."""

from uuid import UUID

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction, InteractionUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/interactions/{interaction_id}", permission="interactions:update")
def update_interaction(ctx: RequestContext, interaction_id: UUID, body: InteractionUpdate) -> Interaction:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, interaction_id, body)


handler = api.handler
