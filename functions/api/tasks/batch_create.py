"""POST /v1/tasks/batch/create: create up to 100 tasks, with a result per item."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task, TaskCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/tasks/batch/create", permission="tasks:create")
def batch_create_tasks(ctx: RequestContext, body: BatchCreate[TaskCreate]) -> BatchResult[Task]:
    """Create tasks; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
