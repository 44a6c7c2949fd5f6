"""GET /v1/webhook-endpoints/{endpoint_id}: one webhook endpoint."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import WebhookEndpoint

api = Api()


@api.get("/v1/webhook-endpoints/{endpoint_id}", permission="webhook_endpoints:read")
def get_webhook_endpoint(ctx: RequestContext, endpoint_id: UUID) -> WebhookEndpoint:
    """Get a webhook endpoint (with its ETag)."""
    return logic.get(ctx, endpoint_id)


handler = api.handler
