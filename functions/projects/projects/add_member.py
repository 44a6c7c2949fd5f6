"""POST /v1/projects/{project_id}/members: put an org member on a project."""

from uuid import UUID

from hearth import needs
from hearth.crm.projects import logic
from hearth.crm.projects.models import ProjectMember, ProjectMemberAdd
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/projects/{project_id}/members", permission="projects:update", status_code=201, needs=[needs.EVENTS]
)
def add_project_member(ctx: RequestContext, project_id: UUID, body: ProjectMemberAdd) -> ProjectMember:
    """Add a member of the org to the project as lead or contributor (409 if already on it)."""
    return logic.add_member(ctx, project_id, body)


handler = api.handler
