"""GET /v1/members: the org's members (filters, sort, text search, cursor pagination)."""

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import Search, Sort
from hearth.members.models import Member
from hearth.members.store import LISTING

api = Api()


@api.get("/v1/members", permission="members:read", description=LISTING.describe())
def list_members(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
) -> Page[Member]:
    """List the org's members, oldest first."""
    return LISTING.fetch(ctx, Member, limit=limit, cursor=cursor, sort=sort, q=q)


handler = api.handler
