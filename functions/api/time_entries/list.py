"""GET /v1/time-entries: list time entries (filters, sort, text search, cursor pagination)."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry
from hearth.crm.time_entries.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/time-entries", permission="time_entries:read", description=LISTING.describe())
def list_time_entries(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[TimeEntry]:
    """List time entries, latest date first."""
    return logic.list_time_entries(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
