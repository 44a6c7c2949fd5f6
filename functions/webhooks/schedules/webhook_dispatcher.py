"""Every minute: release webhook deliveries held in the database (waits beyond SQS's 15-minute
delay, endpoints that are failing or slow, manual retries, lost messages) to the retry lane,
fairly across orgs and endpoints. Runs as the system role (cross-tenant)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from hearth import needs
from hearth.deployment import Schedule
from hearth.observability import logger
from hearth.webhooks.engine import dispatcher

schedule = Schedule(
    rate="rate(1 minute)",
    name="EveryMinute",
    description="Releases deliveries held in the database to the retry lane, fairly across orgs.",
    needs=[needs.SYSTEM_DB, needs.WEBHOOK_RETRY_QUEUE],
    timeout=60,
)


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, int]:
    return {"released": dispatcher.run(seconds=50.0)}
