"""Fan-out: a committed event from the dispatch queue becomes one delivery per endpoint of its
org whose filter selects it; fresh deliveries to healthy endpoints go straight to the main lane.
An event whose type feeds a work queue (``hearth.outbox.channels``: ``ai.run.queued`` -> the AI
worker's queue) is also sent there; when that queue refuses it, the dispatch record fails and SQS
delivers it again.

Relaying an event twice changes nothing: deliveries are unique per (endpoint, event), and only
deliveries no message was sent for yet are sent (a consumer that died between the insert and the
send is repaired by the redelivered dispatch message)::

    fanout.dispatch(DispatchMessage(org_id, event_id))   # -> number of deliveries sent
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth import clock, db, queues
from hearth.events import store as events_store
from hearth.events.types import patterns_matching
from hearth.observability import logger
from hearth.outbox import channels
from hearth.outbox.messages import DispatchMessage
from hearth.settings import settings
from hearth.webhooks.engine.messages import DeliveryMessage
from hearth.webhooks.store import deliveries as deliveries_store
from hearth.webhooks.store import endpoints as endpoints_store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def dispatch(message: DispatchMessage) -> int:
    now = clock.now()
    with db.tenant_transaction(message.org_id) as conn:
        event = events_store.get(conn, message.event_id)
        if event is None:
            logger.warning("dispatch message for an unknown event", extra={"event_id": str(message.event_id)})
            return 0
        endpoints = endpoints_store.matching(conn, patterns_matching(event["type"]))
        deliveries_store.fan_out(
            conn, event_id=message.event_id, event_type=event["type"], endpoints=endpoints, now=now
        )
        unsent = deliveries_store.unsent_of_event(conn, message.event_id)
    channels.route(
        message.org_id, event["type"], event["resource_id"], event_id=message.event_id, data=event["data"]
    )
    queue_url = settings().webhook_delivery_queue_url
    if not unsent or not queue_url:
        return 0
    accepted = queues.send(
        queue_url,
        [DeliveryMessage(message.org_id, row["id"], row["attempts"] + 1, "main") for row in unsent],
    )
    ids = [m.delivery_id for m in accepted]
    if ids:
        with db.tenant_transaction(message.org_id) as conn:
            deliveries_store.mark_enqueued(conn, ids, now, "main")
    return len(ids)


def dispatch_record(record: SQSRecord) -> int:
    """One record of the dispatch queue (the consumer's record handler)."""
    return dispatch(DispatchMessage.parse(record.body))
