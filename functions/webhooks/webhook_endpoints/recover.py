"""POST /v1/webhook-endpoints/{endpoint_id}/recover: send failed deliveries again."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.deployment import Throttle
from hearth.http import Api, RequestContext
from hearth.http.inputs import Time
from hearth.webhooks.endpoints import logic
from hearth.webhooks.endpoints.models import RecoverAccepted

api = Api()


@api.post(
    "/v1/webhook-endpoints/{endpoint_id}/recover",
    permission="webhook_deliveries:retry",
    status_code=202,
    throttle=Throttle(rate=2, burst=5),  # reschedules every failed delivery of a period
)
def recover_webhook_endpoint(
    ctx: RequestContext,
    endpoint_id: UUID,
    since: Annotated[Time, Query(description="Resend failed deliveries created at or after this time.")],
    until: Annotated[Time | None, Query(description="... and before this time.")] = None,
) -> RecoverAccepted:
    """Resend every failed delivery since a time (one manual attempt each, within a minute)."""
    return logic.recover(ctx, endpoint_id, since, until)


handler = api.handler
