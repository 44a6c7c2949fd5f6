"""GET /v1/tasks: list tasks (filters, sort, text search, cursor pagination)."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task
from hearth.crm.tasks.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/tasks", permission="tasks:read", description=LISTING.describe())
def list_tasks(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Task]:
    """List tasks, newest first."""
    return logic.list_tasks(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
