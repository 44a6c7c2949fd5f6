"""POST /v1/webhook-endpoints: add an endpoint; its signing secret is in this response only."""

from hearth.http import Api, RequestContext
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import WebhookEndpointCreate, WebhookEndpointCreated

api = Api()


@api.post(
    "/v1/webhook-endpoints",
    permission="webhook_endpoints:create",
    status_code=201,
    reveals_secret=True,
    refuses=(402,),
)
def create_webhook_endpoint(ctx: RequestContext, body: WebhookEndpointCreate) -> WebhookEndpointCreated:
    """Add a webhook endpoint (https, public addresses only). Store the secret now. 402
    `quota_exceeded` when the org has as many endpoints as its plan allows."""
    return logic.create(ctx, body)


handler = api.handler
