"""Every minute: publish every committed domain event still unpublished (the after-commit relay
died, or SQS was unavailable) to the dispatch queue. Runs as the system role (cross-tenant)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from hearth.observability import logger
from hearth.outbox import relay
from hearth.settings import settings

settings().require("system_database_url", "system_db_secret_arn")
if settings().stage not in ("local", "test"):
    settings().require("event_dispatch_queue_url")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, int]:
    report = relay.sweep()
    return {"found": report.found, "published": report.published}
