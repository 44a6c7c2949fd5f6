"""Every day: hard-delete the CRM records soft-deleted more than 30 days ago (or the org's
longer period), with their links and timeline rows. Runs as the system role."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.lifecycle import purge

schedule = Schedule(
    rate="rate(1 day)",
    name="Daily",
    description="Hard-deletes soft-deleted records past their retention, children before parents.",
    needs=[needs.SYSTEM_DB],
    timeout=900,
)

handler = schedule.handler(purge.run_records)
