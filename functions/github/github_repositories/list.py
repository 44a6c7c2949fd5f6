"""GET /v1/integrations/github/repositories: what the org's installation can see."""

from hearth import needs
from hearth.github import installs
from hearth.github.models import RepositoryList
from hearth.http import Api, RequestContext

api = Api()


@api.get(
    "/v1/integrations/github/repositories",
    permission="integrations:read",
    refuses=(404, 502),
    needs=[needs.GITHUB_APP],
)
def list_github_repositories(ctx: RequestContext) -> RepositoryList:
    """The repositories the installation can see, read from GitHub now (first 100) and kept."""
    return installs.repositories(ctx)


handler = api.handler
