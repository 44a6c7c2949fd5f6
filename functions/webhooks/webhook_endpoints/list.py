"""GET /v1/webhook-endpoints: the org's webhook endpoints."""

from hearth.records import routes
from hearth.webhooks.endpoints.logic import LISTING
from hearth.webhooks.endpoints.models import WebhookEndpoint

api = routes.list_rows(
    "/v1/webhook-endpoints",
    LISTING,
    WebhookEndpoint,
    permission="webhook_endpoints:read",
    doc="List webhook endpoints, oldest first (never their secrets).",
    operation_id="list_webhook_endpoints",
)
handler = api.handler
