"""Every day: remind users of their open tasks due today (in the org's timezone) or overdue, once
per task and day. Finds the orgs as the system role, reminds each as that org."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.notifications import reminders

schedule = Schedule(
    rate="cron(0 6 * * ? *)",
    name="Daily",
    description="Reminds users of their open tasks due today or overdue.",
    needs=[needs.SYSTEM_DB, needs.APP_DB, needs.EVENTS, needs.SYSTEM_EMAIL],
    timeout=300,
)

handler = schedule.handler(reminders.run)
