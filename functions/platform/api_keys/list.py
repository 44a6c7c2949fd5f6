"""GET /v1/api-keys: the org's API keys (members see their own)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.api_keys import logic
from hearth.api_keys.models import ApiKey
from hearth.api_keys.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import Sort

api = Api()


@api.get("/v1/api-keys", permission="api_keys:read", description=LISTING.describe())
def list_api_keys(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Case-insensitive text search over key names.")
    ] = None,
) -> Page[ApiKey]:
    """List API keys (never their secrets)."""
    return logic.list_keys(ctx, limit=limit, cursor=cursor, sort=sort, q=q)


handler = api.handler
