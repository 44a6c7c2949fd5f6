"""PATCH /v1/webhook-endpoints/{endpoint_id}: change an endpoint's URL, filter or state."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import WebhookEndpoint, WebhookEndpointUpdate

api = Api()


@api.patch("/v1/webhook-endpoints/{endpoint_id}", permission="webhook_endpoints:update")
def update_webhook_endpoint(
    ctx: RequestContext, endpoint_id: UUID, body: WebhookEndpointUpdate
) -> WebhookEndpoint:
    """Change the URL, description, event types or enabled flag. Enabling clears the failure record."""
    return logic.update(ctx, endpoint_id, body)


handler = api.handler
