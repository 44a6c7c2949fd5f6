"""DELETE /v1/integrations/github/installation: unlink the org's GitHub App installation."""

from hearth import needs
from hearth.github import installs
from hearth.http import Api, RequestContext

api = Api()


@api.delete(
    "/v1/integrations/github/installation",
    permission="integrations:write",
    status_code=204,
    refuses=(404,),
    needs=[needs.EVENTS],
)
def delete_github_installation(ctx: RequestContext) -> None:
    """Unlink the installation: its deliveries name no org any more and its repositories are
    forgotten (links of tasks to commits, pull requests and issues stay). Uninstall the app on
    GitHub to stop the deliveries themselves."""
    installs.unlink(ctx)


handler = api.handler
