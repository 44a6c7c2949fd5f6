"""POST /v1/webhook-deliveries/{delivery_id}/retry: one more attempt of a delivery."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.deliveries import logic
from hearth.webhooks.deliveries.models import WebhookDelivery

api = Api()


@api.post(
    "/v1/webhook-deliveries/{delivery_id}/retry", permission="webhook_deliveries:retry", status_code=202
)
def retry_webhook_delivery(ctx: RequestContext, delivery_id: UUID) -> WebhookDelivery:
    """Schedule a manual attempt of a finished delivery (sent within a minute)."""
    return logic.retry(ctx, delivery_id)


handler = api.handler
