"""GET /v1/webhook-endpoints/{endpoint_id}/deliveries: an endpoint's deliveries, newest first."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.http.inputs import Time
from hearth.webhooks.deliveries import logic
from hearth.webhooks.deliveries.models import Status, WebhookDeliverySummary

api = Api()


@api.get("/v1/webhook-endpoints/{endpoint_id}/deliveries", permission="webhook_deliveries:read")
def list_webhook_deliveries(
    ctx: RequestContext,
    endpoint_id: UUID,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: Annotated[Status | None, Query()] = None,
    event_type: Annotated[str | None, Query(description="Exact event type.")] = None,
    since: Annotated[Time | None, Query(description="Deliveries created at or after this time.")] = None,
) -> Page[WebhookDeliverySummary]:
    """List an endpoint's deliveries with their latest attempt (status, response, timing)."""
    return logic.list_for_endpoint(
        ctx, endpoint_id, limit, cursor, status=status, event_type=event_type, since=since
    )


handler = api.handler
