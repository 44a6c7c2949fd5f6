"""DELETE /v1/members/{user_id}: remove a member (or leave the org)."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.members import logic

api = Api()


@api.delete("/v1/members/{user_id}", permission="members:delete", status_code=204)
def remove_member(ctx: RequestContext, user_id: UUID) -> None:
    """Remove a member. Anyone may remove themselves; the last owner cannot leave."""
    logic.remove(ctx, user_id)


handler = api.handler
