"""Reading an endpoint's deliveries and their attempt log, and asking for one more attempt
(admins and owners). A manual attempt is scheduled in the database and released to the retry
lane by the dispatcher within a minute, under the same fairness limits as every retry."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from hearth import clock
from hearth.events.types import EVENT_TYPE
from hearth.http import Page, RequestContext
from hearth.http.pagination import decode_typed_cursor, paginate
from hearth.problems import Conflict, NotFound, invalid
from hearth.webhooks.deliveries.models import (
    Status,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliverySummary,
)
from hearth.webhooks.store import deliveries as store
from hearth.webhooks.store import endpoints as endpoints_store


def list_for_endpoint(
    ctx: RequestContext,
    endpoint_id: UUID,
    limit: int,
    cursor: str | None,
    *,
    status: Status | None,
    event_type: str | None,
    since: datetime | None,
) -> Page[WebhookDeliverySummary]:
    if not endpoints_store.exists(ctx.db, endpoint_id):
        raise NotFound("webhook endpoint", endpoint_id, code="webhook_endpoint_not_found")
    if event_type is not None and not EVENT_TYPE.match(event_type):
        raise invalid("event_type", "An event type like `deal.won`.", location="query")
    before = decode_typed_cursor(cursor, (datetime, UUID)) if cursor else None
    rows = store.page_for_endpoint(
        ctx.db, endpoint_id, limit, before, status=status, event_type=event_type, since=since
    )
    page, next_cursor = paginate(rows, limit, ("created_at", "id"))
    data = [WebhookDeliverySummary(**r) for r in page]
    return Page[WebhookDeliverySummary](data=data, next_cursor=next_cursor)


def get(ctx: RequestContext, delivery_id: UUID) -> WebhookDeliveryDetail:
    row = store.get(ctx.db, delivery_id)
    if row is None:
        raise NotFound("webhook delivery", delivery_id, code="webhook_delivery_not_found")
    attempts = [WebhookAttempt(**a) for a in store.attempts_of(ctx.db, delivery_id)]
    return WebhookDeliveryDetail(**row, attempts=attempts)


def retry(ctx: RequestContext, delivery_id: UUID) -> WebhookDelivery:
    row = store.get(ctx.db, delivery_id, lock=True)
    if row is None:
        raise NotFound("webhook delivery", delivery_id, code="webhook_delivery_not_found")
    if row["status"] == "pending":
        raise Conflict("webhook_delivery_pending", "An attempt of this delivery is already scheduled.")
    endpoint = endpoints_store.get(ctx.db, row["endpoint_id"])
    if endpoint is None or not endpoint["enabled"]:
        raise Conflict("webhook_endpoint_disabled", "The delivery's endpoint is disabled or deleted.")
    updated = store.reschedule(ctx.db, delivery_id, clock.now())
    assert updated is not None
    ctx.audit(
        "webhook_delivery.retry", "webhook_delivery", delivery_id, changes={"event_id": str(row["event_id"])}
    )
    return WebhookDelivery(**updated)
