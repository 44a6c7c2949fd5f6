"""GET /v1/orgs/current: the org this request is in."""

from hearth.http import Api, RequestContext
from hearth.orgs import logic
from hearth.orgs.models import Org

api = Api()


@api.get("/v1/orgs/current", permission="orgs:read")
def get_current_org(ctx: RequestContext) -> Org:
    """The current org, with the caller's role in it."""
    return logic.get_current(ctx)


handler = api.handler
