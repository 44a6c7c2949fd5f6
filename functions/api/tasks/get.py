"""GET /v1/tasks/{task_id}: one task."""

from uuid import UUID

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/tasks/{task_id}", permission="tasks:read")
def get_task(ctx: RequestContext, task_id: UUID, include_deleted: IncludeDeleted = False) -> Task:
    """The task, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, task_id, include_deleted=include_deleted)


handler = api.handler
