"""POST /v1/integrations/github/install: the GitHub App's install URL for this org."""

from hearth import needs
from hearth.github import installs
from hearth.github.models import InstallUrl
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/integrations/github/install", permission="integrations:write", needs=[needs.GITHUB_APP])
def install_github(ctx: RequestContext) -> InstallUrl:
    """The URL to install Hearth's GitHub App, with a signed `state` naming this org (30 minutes).
    GitHub sends the admin back to the app's setup URL with `installation_id` and that `state`:
    pass both to `POST /v1/integrations/github/installation`."""
    return installs.install_url(ctx)


handler = api.handler
