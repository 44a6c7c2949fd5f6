"""POST /v1/tasks/{task_id}/github-issue: open a GitHub issue for a task and link it."""

from hearth import needs
from hearth.crm.tasks.keys import TaskRef
from hearth.github import issues
from hearth.github.models import GitHubLink, IssueCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/tasks/{task_id}/github-issue",
    permission="tasks:update",
    status_code=201,
    refuses=(404, 409, 502, 503),
    needs=[needs.GITHUB_APP, needs.EVENTS],
)
def create_task_github_issue(ctx: RequestContext, task_id: TaskRef, body: IssueCreate) -> GitHubLink:
    """Open an issue with the task's title in a repository the installation can see, and link
    it: later changes of the task's title and status update it (through the GitHub sync queue),
    and changes on GitHub update the task. One issue per task (409 `issue_exists`)."""
    return issues.create_issue(ctx, task_id, body)


handler = api.handler
