"""SQS WebhookDeliveryQueue (main lane) and WebhookRetryQueue (retry lane): one signed attempt
per message. The batch is claimed in one statement, sent concurrently (a batch of ten to a slow
receiver takes about one receiver latency) and recorded in one statement; a receiver's failure is
an attempt logged and retried on schedule, not a batch failure — only records that could not be
processed (malformed, database down) are reported back."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hearth import crypto
from hearth.batch import process_sqs_batch
from hearth.observability import logger
from hearth.settings import settings
from hearth.webhooks.engine import sender
from hearth.webhooks.engine.messages import DeliveryMessage

CONCURRENCY = 10

crypto.check_configuration()
if settings().stage not in ("local", "test"):
    settings().require("webhook_retry_queue_url")
    settings().require("webhook_dead_letter_queue_url")


def batch_handler(records: list[SQSRecord]) -> list[object]:
    """Parse every record (a malformed one fails alone), then claim, send and record the rest
    together."""
    results: list[object] = []
    messages: list[DeliveryMessage] = []
    for record in records:
        try:
            messages.append(DeliveryMessage.parse(record.body))
            results.append(None)
        except (ValueError, KeyError, TypeError) as exc:
            results.append(exc)
    outcomes = iter(sender.handle_batch(messages, concurrency=CONCURRENCY))
    return [next(outcomes) if result is None else result for result in results]


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_sqs_batch(event, batch_handler, context, whole=True)
