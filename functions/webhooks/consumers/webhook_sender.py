"""SQS WebhookDeliveryQueue (main lane): first attempts to healthy endpoints, ten at a time. The
batch is claimed in one statement, sent concurrently (a batch of ten to a slow receiver takes about
one receiver latency) and recorded in one statement; a receiver's failure is an attempt logged and
retried on schedule, not a batch failure: only records that could not be processed (malformed,
database down) are reported back."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hearth.batch import process_sqs_batch
from hearth.deployment import Consumer
from hearth.observability import logger
from hearth.webhooks.engine import sender

consumer = Consumer(
    queue="WebhookDeliveryQueue",
    description="Main lane - first attempts to healthy endpoints, ten at a time.",
    needs=sender.NEEDS,
    batch_size=10,
    window_seconds=1,
    reserved_concurrency=10,
    timeout=60,
)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_sqs_batch(event, sender.handle_records, context, whole=True)
