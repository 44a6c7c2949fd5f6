"""GET /v1/api-keys: the org's API keys (members see their own)."""

from hearth.api_keys import logic
from hearth.api_keys.models import ApiKey
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext

api = Api()


@api.get("/v1/api-keys", permission="api_keys:read")
def list_api_keys(ctx: RequestContext, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[ApiKey]:
    """List API keys (never their secrets)."""
    return logic.list_keys(ctx, limit, cursor)


handler = api.handler
