"""GET /v1/webhook-endpoints: the org's webhook endpoints."""

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import WebhookEndpoint

api = Api()


@api.get("/v1/webhook-endpoints", permission="webhook_endpoints:read")
def list_webhook_endpoints(
    ctx: RequestContext, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[WebhookEndpoint]:
    """List webhook endpoints, oldest first (never their secrets)."""
    return logic.list_endpoints(ctx, limit, cursor)


handler = api.handler
