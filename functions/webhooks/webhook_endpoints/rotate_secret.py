"""POST /v1/webhook-endpoints/{endpoint_id}/rotate-secret: a new signing secret."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import SecretRotated

api = Api()


@api.post(
    "/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    permission="webhook_endpoints:update",
    reveals_secret=True,
)
def rotate_webhook_endpoint_secret(ctx: RequestContext, endpoint_id: UUID) -> SecretRotated:
    """Rotate the signing secret. For 24 hours deliveries carry signatures with both secrets."""
    return logic.rotate_secret(ctx, endpoint_id)


handler = api.handler
