"""Every day: purge each org's audit rows older than 90 days (or the org's longer period),
oldest first, keeping a checkpoint from which verification starts. Runs as the system role."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.lifecycle import purge

schedule = Schedule(
    rate="rate(1 day)",
    name="Daily",
    description="Purges audit rows past their retention through audit_purge(), which checkpoints the chain.",
    needs=[needs.SYSTEM_DB],
    timeout=900,
)

handler = schedule.handler(purge.run_audit)
