"""Every hour: end sessions idle past the platform's limit and sign users left with none out of
the user pool everywhere. Runs as the system role (cross-user)."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.identity import expiry

schedule = Schedule(
    rate="rate(1 hour)",
    name="Hourly",
    description="Ends idle sign-in sessions and revokes the refresh tokens of users left with none.",
    needs=[needs.SYSTEM_DB, needs.COGNITO_USER_POOL],
    timeout=300,
)

handler = schedule.handler(expiry.end_idle_sessions)
