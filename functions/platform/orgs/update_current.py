"""PATCH /v1/orgs/current: rename the org or change its time zone."""

from hearth.http import Api, RequestContext
from hearth.orgs import logic
from hearth.orgs.models import Org, OrgUpdate

api = Api()


@api.patch("/v1/orgs/current", permission="orgs:update")
def update_current_org(ctx: RequestContext, body: OrgUpdate) -> Org:
    """Update the current org (send `If-Match` with its ETag to avoid lost updates)."""
    return logic.update_current(ctx, body)


handler = api.handler
