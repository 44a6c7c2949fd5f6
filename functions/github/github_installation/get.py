"""GET /v1/integrations/github/installation: the org's GitHub App installation."""

from hearth.github import installs
from hearth.github.models import Installation
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/integrations/github/installation", permission="integrations:read", refuses=(404,))
def get_github_installation(ctx: RequestContext) -> Installation:
    """The installation linked to this org (404 `github_not_installed` when none is)."""
    return installs.get(ctx)  # type: ignore[no-any-return]


handler = api.handler
