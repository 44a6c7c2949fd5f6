"""GET /v1/notes: list notes (filters, sort, text search, cursor pagination)."""

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note
from hearth.crm.notes.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/notes", permission="notes:read", description=LISTING.describe())
def list_notes(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Note]:
    """List notes, newest first."""
    return logic.list_notes(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
