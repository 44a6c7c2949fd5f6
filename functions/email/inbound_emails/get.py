"""GET /v1/email/inbound-messages/{email_id}: one received (or BCC-logged) email with its bodies."""

from uuid import UUID

from hearth.email.inbound import logic
from hearth.email.inbound.models import InboundEmail
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/inbound-messages/{email_id}", permission="inbound_emails:read")
def get_inbound_email(ctx: RequestContext, email_id: UUID) -> InboundEmail:
    """The email, its text and HTML bodies and its attachments' metadata. The HTML is as
    received: sanitise it (or show it in a sandboxed frame) before showing it as HTML."""
    return logic.get_message(ctx, email_id)


handler = api.handler
