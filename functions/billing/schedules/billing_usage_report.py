"""Every hour: report metered usage to Stripe Billing meter events, and move orgs whose canceled
subscription ended to the free plan."""

from hearth import needs
from hearth.billing import reporting
from hearth.deployment import Schedule

schedule = Schedule(
    rate="rate(1 hour)",
    name="Hourly",
    description="Reports metered usage to Stripe and ends canceled subscriptions at their period end.",
    needs=[needs.SYSTEM_DB, needs.APP_DB, needs.EVENTS, needs.STRIPE_SDK, needs.STRIPE_API_KEY],
    timeout=300,
)

handler = schedule.handler(reporting.run)
