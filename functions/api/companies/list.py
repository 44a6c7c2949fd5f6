"""GET /v1/companies: list companies (filters, sort, text search, cursor pagination)."""

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company
from hearth.crm.companies.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/companies", permission="companies:read", description=LISTING.describe())
def list_companies(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Company]:
    """List companies, newest first."""
    return logic.list_companies(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
