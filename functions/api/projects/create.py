"""POST /v1/projects: create a project."""

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project, ProjectCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/projects", permission="projects:create", status_code=201)
def create_project(ctx: RequestContext, body: ProjectCreate) -> Project:
    """Create a project, standalone or from a won deal (taking its name and company)."""
    return logic.create(ctx, body)


handler = api.handler
