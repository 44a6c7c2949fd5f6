"""DELETE /v1/projects/{project_id}/members/{user_id}: take a member off a project."""

from uuid import UUID

from hearth import needs
from hearth.crm.projects import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete(
    "/v1/projects/{project_id}/members/{user_id}",
    permission="projects:update",
    status_code=204,
    needs=[needs.EVENTS],
)
def remove_project_member(ctx: RequestContext, project_id: UUID, user_id: UUID) -> None:
    """Take a member off the project (their time entries stay)."""
    logic.remove_member(ctx, project_id, user_id)


handler = api.handler
