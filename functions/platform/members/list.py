"""GET /v1/members: the org's members."""

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.members import logic
from hearth.members.models import Member

api = Api()


@api.get("/v1/members", permission="members:read")
def list_members(ctx: RequestContext, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[Member]:
    """List the org's members, oldest first."""
    return logic.list_members(ctx, limit, cursor)


handler = api.handler
