"""Every hour: erase what AI runs finished longer ago than the retention period hold of the org's
data (instructions, output, records shown). Runs as the system role (cross-tenant)."""

from hearth import needs
from hearth.ai import retention
from hearth.deployment import Schedule

schedule = Schedule(
    rate="rate(1 hour)",
    name="Hourly",
    description="Erases the instructions, output and records shown of AI runs past their retention.",
    needs=[needs.SYSTEM_DB],
    timeout=300,
)

handler = schedule.handler(retention.purge)
