"""GET /v1/webhook-endpoints: the org's webhook endpoints."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import Sort
from hearth.webhooks.endpoints.logic import LISTING
from hearth.webhooks.endpoints.models import WebhookEndpoint

api = Api()


@api.get("/v1/webhook-endpoints", permission="webhook_endpoints:read", description=LISTING.describe())
def list_webhook_endpoints(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Sort = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive text search over URLs and descriptions."),
    ] = None,
) -> Page[WebhookEndpoint]:
    """List webhook endpoints, oldest first (never their secrets)."""
    return LISTING.fetch(ctx, WebhookEndpoint, limit=limit, cursor=cursor, sort=sort, q=q)


handler = api.handler
