"""POST /v1/email/suppressions: stop emailing an address."""

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailSuppression, EmailSuppressionCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/email/suppressions",
    permission="email_suppressions:write",
    needs=[needs.EVENTS],
)
def create_email_suppression(ctx: RequestContext, body: EmailSuppressionCreate) -> EmailSuppression:
    """Suppress an address (every email, or marketing only): sends to it are refused with 422
    `recipient_suppressed`. An address suppressed already keeps its entry (marketing only widens
    to every email)."""
    return logic.add_suppression(ctx, body)


handler = api.handler
