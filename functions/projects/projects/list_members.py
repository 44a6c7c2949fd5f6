"""GET /v1/projects/{project_id}/members: the project's members."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.crm.projects.models import ProjectMember
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/projects/{project_id}/members", permission="projects:read")
def list_project_members(
    ctx: RequestContext, project_id: UUID, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[ProjectMember]:
    """The project's members (filter by `filter[role]=lead`), in the order they joined."""
    return logic.list_members(ctx, project_id, ListParams(limit, cursor))


handler = api.handler
