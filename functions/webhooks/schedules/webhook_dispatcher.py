"""Every minute: release webhook deliveries held in the database (waits beyond SQS's 15-minute
delay, endpoints that are failing or slow, manual retries, lost messages) to the retry lane,
fairly across orgs and endpoints. Runs as the system role (cross-tenant)."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.webhooks.engine import dispatcher

schedule = Schedule(
    rate="rate(1 minute)",
    name="EveryMinute",
    description="Releases deliveries held in the database to the retry lane, fairly across orgs.",
    needs=[needs.SYSTEM_DB, needs.WEBHOOK_RETRY_QUEUE],
    timeout=60,
)

handler = schedule.handler(lambda: {"released": dispatcher.run(seconds=50.0)})
