"""Every day: check the database's backups (newest automated snapshot, retention, encryption,
point-in-time restore lag, deletion protection), store the results and emit a metric per check
(the template alarms on failures). Runs as the system role."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.lifecycle import backups

schedule = Schedule(
    rate="rate(1 day)",
    name="Daily",
    description="Checks the database's backups and stores the results; failures raise the backup alarm.",
    needs=[needs.SYSTEM_DB, needs.BACKUP_DB],
    timeout=60,
)


def run() -> dict[str, object]:
    report = backups.check()
    return {
        "target": report.target,
        "passed": report.passed,
        "checks": {r.check: r.passed for r in report.results},
    }


handler = schedule.handler(run)
