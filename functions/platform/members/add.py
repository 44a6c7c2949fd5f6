"""POST /v1/members: add an existing user to the org."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.members import logic
from hearth.members.models import Member, MemberAdd

api = Api()


# Finds a user who is not in the org yet: the one lookup that needs the system role.
@api.post("/v1/members", permission="members:create", status_code=201, needs=[needs.SYSTEM_DB])
def add_member(ctx: RequestContext, body: MemberAdd) -> Member:
    """Add a user (by id or email) with a role no higher than yours."""
    return logic.add(ctx, body)


handler = api.handler
