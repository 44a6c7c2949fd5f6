"""POST /v1/tasks/{task_id}/restore: undo the soft delete of a task."""

from uuid import UUID

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/tasks/{task_id}/restore", permission="tasks:delete")
def restore_task(ctx: RequestContext, task_id: UUID) -> Task:
    """Restore a deleted task."""
    return logic.restore(ctx, task_id)


handler = api.handler
