"""POST /v1/projects/batch/update: change up to 100 projects, with a result per item."""

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project, ProjectUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/projects/batch/update", permission="projects:update")
def batch_update_projects(ctx: RequestContext, body: BatchUpdate[ProjectUpdate]) -> BatchResult[Project]:
    """Change projects by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
