"""GET /v1/pipelines: list pipelines (filters, sort, text search, cursor pagination)."""

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Pipeline
from hearth.crm.pipelines.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/pipelines", permission="pipelines:read", description=LISTING.describe())
def list_pipelines(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Pipeline]:
    """List pipelines, oldest first, each with its stages in order."""
    return logic.list_pipelines(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
