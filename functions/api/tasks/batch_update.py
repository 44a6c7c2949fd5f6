"""POST /v1/tasks/batch/update: change up to 100 tasks, with a result per item."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task, TaskUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/tasks/batch/update", permission="tasks:update")
def batch_update_tasks(ctx: RequestContext, body: BatchUpdate[TaskUpdate]) -> BatchResult[Task]:
    """Change tasks by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
