"""PATCH /v1/projects/{project_id}: change some fields of a project."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project, ProjectUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/projects/{project_id}", permission="projects:update")
def update_project(ctx: RequestContext, project_id: UUID, body: ProjectUpdate) -> Project:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, project_id, body)


handler = api.handler
