"""Every minute: release webhook deliveries held in the database (waits beyond SQS's 15-minute
delay, endpoints that are failing or slow, manual retries, lost messages) to the retry lane,
fairly across orgs and endpoints. Runs as the system role (cross-tenant)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from hearth.observability import logger
from hearth.settings import settings
from hearth.webhooks.engine import dispatcher

settings().require("system_database_url", "system_db_secret_arn")
if settings().stage not in ("local", "test"):
    settings().require("webhook_retry_queue_url")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, int]:
    return {"released": dispatcher.run(seconds=50.0)}
