"""GET /v1/projects: list projects (filters, sort, text search, cursor pagination)."""

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project
from hearth.crm.projects.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import IncludeDeleted, Search, Sort
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/projects", permission="projects:read", description=LISTING.describe())
def list_projects(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Search = None,
    include_deleted: IncludeDeleted = False,
) -> Page[Project]:
    """List projects, newest first."""
    return logic.list_projects(ctx, ListParams(limit, cursor, sort, q, include_deleted))


handler = api.handler
