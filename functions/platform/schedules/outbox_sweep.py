"""Every minute: publish every committed domain event still unpublished (the after-commit relay
died, or SQS was unavailable) to the dispatch queue. Runs as the system role (cross-tenant)."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.outbox import relay

schedule = Schedule(
    rate="rate(1 minute)",
    name="EveryMinute",
    description="Publishes committed domain events the after-commit relay missed.",
    needs=[needs.SYSTEM_DB, needs.EVENTS],
    timeout=60,
)

handler = schedule.handler(relay.sweep)
