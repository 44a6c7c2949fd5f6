"""Every minute: publish every committed domain event still unpublished (the after-commit relay
died, or SQS was unavailable) to the dispatch queue. Runs as the system role (cross-tenant)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from hearth import needs
from hearth.deployment import Schedule
from hearth.observability import logger
from hearth.outbox import relay

schedule = Schedule(
    rate="rate(1 minute)",
    name="EveryMinute",
    description="Publishes committed domain events the after-commit relay missed.",
    needs=[needs.SYSTEM_DB, needs.EVENTS],
    timeout=60,
)


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, int]:
    report = relay.sweep()
    return {"found": report.found, "published": report.published}
