"""GET /v1/interactions: list interactions (filters, sort, text search, cursor pagination)."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction
from hearth.crm.interactions.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/interactions", permission="interactions:read", description=LISTING.describe())
def list_interactions(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Interaction]:
    """List interactions, most recent first."""
    return logic.list_interactions(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
