"""PUT /v1/orgs/current/retention: keep kinds of data longer than the default (admins)."""

from hearth.http import Api, RequestContext
from hearth.lifecycle import retention_overrides
from hearth.lifecycle.retention_overrides import RetentionPolicy, RetentionUpdate

api = Api()


@api.put("/v1/orgs/current/retention", permission="retention:update")
def update_retention(ctx: RequestContext, body: RetentionUpdate) -> RetentionPolicy:
    """Keep a kind longer (`seconds`), never shorter than the platform's period (422
    `retention_too_short`), or go back to the default (`seconds: null`). Audited."""
    return retention_overrides.update(ctx, body)


handler = api.handler
