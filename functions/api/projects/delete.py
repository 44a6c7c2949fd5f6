"""DELETE /v1/projects/{project_id}: soft-delete a project."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/projects/{project_id}", permission="projects:delete", status_code=204)
def delete_project(ctx: RequestContext, project_id: UUID) -> None:
    """Soft-delete a project. Members delete the projects they own or created."""
    logic.delete(ctx, project_id)


handler = api.handler
