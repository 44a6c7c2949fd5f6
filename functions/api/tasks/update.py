"""PATCH /v1/tasks/{task_id}: change some fields of a task."""

from uuid import UUID

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task, TaskUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/tasks/{task_id}", permission="tasks:update")
def update_task(ctx: RequestContext, task_id: UUID, body: TaskUpdate) -> Task:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, task_id, body)


handler = api.handler
