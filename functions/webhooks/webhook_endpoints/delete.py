"""DELETE /v1/webhook-endpoints/{endpoint_id}: remove an endpoint (its delivery log stays)."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.webhooks.endpoints import logic

api = Api()


@api.delete("/v1/webhook-endpoints/{endpoint_id}", permission="webhook_endpoints:delete", status_code=204)
def delete_webhook_endpoint(ctx: RequestContext, endpoint_id: UUID) -> None:
    """Delete an endpoint: nothing more is sent to it, its secrets are erased."""
    logic.delete(ctx, endpoint_id)


handler = api.handler
