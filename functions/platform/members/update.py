"""PATCH /v1/members/{user_id}: change a member's role."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.members import logic
from hearth.members.models import Member, MemberUpdate

api = Api()


@api.patch("/v1/members/{user_id}", permission="members:update")
def update_member(ctx: RequestContext, user_id: UUID, body: MemberUpdate) -> Member:
    """Change a member's role. The org always keeps at least one owner."""
    return logic.update(ctx, user_id, body)


handler = api.handler
