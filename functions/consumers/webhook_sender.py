"""SQS WebhookDeliveryQueue (main lane) and WebhookRetryQueue (retry lane): one signed attempt
per message. The batch is sent concurrently (a batch of ten to a slow receiver takes about one
receiver latency); a receiver's failure is an attempt logged and retried on schedule, not a
batch failure — only records that could not be processed (database down) are reported back."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hearth import crypto
from hearth.batch import process_sqs_batch
from hearth.observability import logger
from hearth.settings import settings
from hearth.webhooks import queues, sender

CONCURRENCY = 10

crypto.check_configuration()
if settings().stage not in ("local", "test"):
    settings().require("webhook_retry_queue_url")
    settings().require("webhook_dead_letter_queue_url")


def record_handler(record: SQSRecord) -> str:
    return sender.handle(queues.DeliveryMessage.parse(record.body))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_sqs_batch(event, record_handler, context, concurrency=CONCURRENCY)
