"""DELETE /v1/tasks/{task_id}: soft-delete a task."""

from uuid import UUID

from hearth.crm.tasks import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/tasks/{task_id}", permission="tasks:delete", status_code=204)
def delete_task(ctx: RequestContext, task_id: UUID) -> None:
    """Soft-delete a task. Members delete tasks assigned to or created by them."""
    logic.delete(ctx, task_id)


handler = api.handler
