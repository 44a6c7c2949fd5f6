"""The two delivery lanes as functions: the main lane (first attempts to healthy endpoints) and
the retry lane (retries, manual attempts, failing and slow endpoints) run the same sender, each
with its own concurrency, so a dead endpoint cannot hold back first attempts::

    consumer = lanes.lane("WebhookDeliveryQueue", "Main lane - …", concurrency=10)
    handler = consumer.handler(lanes.handle_records, whole=True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth import needs
from hearth.deployment import Consumer
from hearth.webhooks.engine.messages import DeliveryMessage
from hearth.webhooks.engine.sender import handle_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

#: What a sender function needs: the app database, the secrets key to open signing secrets, the
#: retry lane and the dead-letter queue, and the outbox relay (exhausted deliveries and disabled
#: endpoints are announced as events).
NEEDS = (
    needs.APP_DB,
    needs.EVENTS,
    needs.SECRETS_KEY_OPEN,
    needs.WEBHOOK_RETRY_QUEUE,
    needs.WEBHOOK_DEAD_LETTER_QUEUE,
)


def lane(queue: str, description: str, *, concurrency: int) -> Consumer:
    """A sender function reading ``queue`` (a delivery lane): batches of ten, sent together,
    at most ``concurrency`` at a time."""
    return Consumer(
        queue=queue,
        description=description,
        needs=NEEDS,
        batch_size=10,
        window_seconds=1,
        reserved_concurrency=concurrency,
        timeout=60,
    )


def handle_records(records: list[SQSRecord], *, concurrency: int = 10) -> list[object]:
    """An SQS batch of delivery messages: each record is parsed (a malformed one fails alone),
    then the rest are claimed, sent and recorded together; one result per record."""
    results: list[object] = []
    messages: list[DeliveryMessage] = []
    for record in records:
        try:
            messages.append(DeliveryMessage.parse(record.body))
            results.append(None)
        except (ValueError, KeyError, TypeError) as exc:
            results.append(exc)
    outcomes = iter(handle_batch(messages, concurrency=concurrency))
    return [next(outcomes) if result is None else result for result in results]
