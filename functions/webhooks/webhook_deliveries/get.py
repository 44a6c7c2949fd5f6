"""GET /v1/webhook-deliveries/{delivery_id}: a delivery with every attempt."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.deliveries import logic
from hearth.webhooks.deliveries.models import WebhookDeliveryDetail

api = Api()


@api.get("/v1/webhook-deliveries/{delivery_id}", permission="webhook_deliveries:read")
def get_webhook_delivery(ctx: RequestContext, delivery_id: UUID) -> WebhookDeliveryDetail:
    """Get a delivery and its attempt log."""
    return logic.get(ctx, delivery_id)


handler = api.handler
