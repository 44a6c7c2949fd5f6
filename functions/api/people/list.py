"""GET /v1/people: list people (filters, sort, text search, cursor pagination)."""

from hearth.crm.people import logic
from hearth.crm.people.models import Person
from hearth.crm.people.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/people", permission="people:read", description=LISTING.describe())
def list_people(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Person]:
    """List people, newest first."""
    return logic.list_people(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
