"""GET /v1/projects/{project_id}: one project."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/projects/{project_id}", permission="projects:read")
def get_project(ctx: RequestContext, project_id: UUID, include_deleted: IncludeDeleted = False) -> Project:
    """The project, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, project_id, include_deleted=include_deleted)


handler = api.handler
