"""POST /v1/projects/batch/create: create up to 100 projects, with a result per item."""

from hearth.crm.projects import logic
from hearth.crm.projects.models import Project, ProjectCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/projects/batch/create", permission="projects:create")
def batch_create_projects(ctx: RequestContext, body: BatchCreate[ProjectCreate]) -> BatchResult[Project]:
    """Create projects; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
