"""GET /v1/tasks/{task_id}/github: the commits, pull requests and issues linked to a task."""

from hearth.crm.tasks.keys import TaskRef
from hearth.github import issues
from hearth.github.models import TaskGitHub
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/tasks/{task_id}/github", permission="tasks:read")
def get_task_github(ctx: RequestContext, task_id: TaskRef) -> TaskGitHub:
    """What on GitHub names the task (by id or key): commits, pull requests (open, closed,
    merged) and its issue, oldest first."""
    return issues.linked(ctx, task_id)


handler = api.handler
