"""GET /v1/deals: list deals (filters, sort, text search, cursor pagination)."""

from hearth.crm.deals import logic
from hearth.crm.deals.models import Deal
from hearth.crm.deals.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/deals", permission="deals:read", description=LISTING.describe())
def list_deals(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Deal]:
    """List deals, newest first."""
    return logic.list_deals(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
