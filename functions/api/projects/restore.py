"""POST /v1/projects/{project_id}/restore: undo the soft delete of a project."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/projects/{project_id}/restore", permission="projects:delete")
def restore_project(ctx: RequestContext, project_id: UUID) -> Project:
    """Restore a deleted project."""
    return logic.restore(ctx, project_id)


handler = api.handler
