"""POST /v1/tasks: create a task."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.models import Task, TaskCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/tasks", permission="tasks:create", status_code=201)
def create_task(ctx: RequestContext, body: TaskCreate) -> Task:
    """Create a task, with its links and the tasks it depends on."""
    return logic.create(ctx, body)


handler = api.handler
