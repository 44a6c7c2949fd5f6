"""POST /v1/integrations/github/installation: link the installation GitHub's setup callback named."""

from hearth import needs
from hearth.github import installs
from hearth.github.models import Installation, InstallationLink
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/integrations/github/installation",
    permission="integrations:write",
    status_code=201,
    refuses=(409, 502),
    needs=[needs.GITHUB_APP, needs.EVENTS],
)
def link_github_installation(ctx: RequestContext, body: InstallationLink) -> Installation:
    """Link the app's installation to this org: the `state` must be this org's, from
    `POST /v1/integrations/github/install`, and the installation made since. One installation
    belongs to one org (409 `installation_taken`); a new one replaces the org's previous one.
    The repositories it can see are read from GitHub."""
    return installs.link(ctx, body)  # type: ignore[no-any-return]


handler = api.handler
