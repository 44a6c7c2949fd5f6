"""GET /v1/projects/{project_id}/summary: budget against logged time, tasks by status."""

from uuid import UUID

from hearth.crm.projects import logic
from hearth.crm.projects.models import ProjectSummary
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/projects/{project_id}/summary", permission="projects:read")
def get_project_summary(ctx: RequestContext, project_id: UUID) -> ProjectSummary:
    """The project's time budget against the minutes logged, and its tasks by status."""
    return logic.summary(ctx, project_id)


handler = api.handler
