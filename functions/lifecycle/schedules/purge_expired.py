"""Every hour: delete what has outlived its retention (expired Idempotency-Key replies,
rate-limit windows, webhook receipts, published events, webhook attempts, ended sessions,
security events, sign-in attempts) and erase AI runs' content. Runs as the system role."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.lifecycle import purge

schedule = Schedule(
    rate="rate(1 hour)",
    name="Hourly",
    description="Purges the rows past their retention period, in batches, kind by kind.",
    needs=[needs.SYSTEM_DB],
    timeout=900,
)

handler = schedule.handler(purge.run_expired)
