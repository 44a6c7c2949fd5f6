"""SQS EventDispatchQueue: fan each committed domain event out to the org's webhook endpoints
(one delivery per matching endpoint, at most one per (endpoint, event)). Reports partial batch
failures: a record that fails is retried by SQS and, after five receives, kept in the DLQ."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hearth import needs
from hearth.batch import process_sqs_batch
from hearth.deployment import Consumer
from hearth.observability import logger
from hearth.outbox.messages import DispatchMessage
from hearth.webhooks.engine import fanout

consumer = Consumer(
    queue="EventDispatchQueue",
    description="Fans committed domain events out to the org's webhook endpoints.",
    needs=[needs.APP_DB, needs.WEBHOOK_DELIVERY_QUEUE],
    batch_size=10,
    window_seconds=1,
    reserved_concurrency=5,
)


def record_handler(record: SQSRecord) -> int:
    return fanout.dispatch(DispatchMessage.parse(record.body))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_sqs_batch(event, record_handler, context)
