"""GET /v1/emails/{email_id}: one email and its delivery status."""

from uuid import UUID

from hearth.email import logic
from hearth.email.models import Email
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/emails/{email_id}", permission="emails:read")
def get_email(ctx: RequestContext, email_id: UUID) -> Email:
    """An email: its status, SES's message id once SES has it, the reason if it failed, bounced or
    was complained about, and its opens and clicks."""
    return logic.get_email(ctx, email_id)


handler = api.handler
