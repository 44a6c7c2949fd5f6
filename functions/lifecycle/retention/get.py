"""GET /v1/orgs/current/retention: how long the org's data is kept, kind by kind."""

from hearth.http import Api, RequestContext
from hearth.lifecycle import retention_overrides
from hearth.lifecycle.retention_overrides import RetentionPolicy

api = Api()


@api.get("/v1/orgs/current/retention", permission="retention:read")
def get_retention(ctx: RequestContext) -> RetentionPolicy:
    """Every kind of data with what happens to it (`delete`, `erase`, `anonymise`), the
    platform's period and the period this org keeps it (longer where an admin chose so)."""
    return retention_overrides.get(ctx)


handler = api.handler
