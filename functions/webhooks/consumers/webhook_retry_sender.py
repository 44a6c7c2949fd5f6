"""SQS WebhookRetryQueue (retry lane): retries, manual attempts, and endpoints that are failing or
slow, released there fairly by the dispatcher; the same sender as the main lane, with its own
concurrency so a dead endpoint cannot hold back first attempts."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hearth.batch import process_sqs_batch
from hearth.deployment import Consumer
from hearth.observability import logger
from hearth.webhooks.engine import sender

consumer = Consumer(
    queue="WebhookRetryQueue",
    description="Retry lane - retries, manual attempts, failing and slow endpoints.",
    needs=sender.NEEDS,
    batch_size=10,
    window_seconds=1,
    reserved_concurrency=5,
    timeout=60,
)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_sqs_batch(event, sender.handle_records, context, whole=True)
