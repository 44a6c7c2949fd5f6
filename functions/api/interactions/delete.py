"""DELETE /v1/interactions/{interaction_id}: soft-delete an interaction."""

from uuid import UUID

from hearth.crm.interactions import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/interactions/{interaction_id}", permission="interactions:delete", status_code=204)
def delete_interaction(ctx: RequestContext, interaction_id: UUID) -> None:
    """Soft-delete an interaction. Members delete the ones they recorded."""
    logic.delete(ctx, interaction_id)


handler = api.handler
