"""POST /v1/members: add an existing user to the org."""

from hearth.http import Api, RequestContext
from hearth.members import logic
from hearth.members.models import Member, MemberAdd

api = Api()


@api.post("/v1/members", permission="members:create", status_code=201)
def add_member(ctx: RequestContext, body: MemberAdd) -> Member:
    """Add a user (by id or email) with a role no higher than yours."""
    return logic.add(ctx, body)


handler = api.handler
