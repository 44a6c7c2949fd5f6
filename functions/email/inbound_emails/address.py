"""GET /v1/email/inbound: the org's inbound email address and its BCC logging address."""

from hearth import needs
from hearth.email.inbound import logic
from hearth.email.inbound.models import InboundAddress
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/inbound", permission="email_inbound_address:read", needs=[needs.EMAIL_INBOUND_DOMAIN])
def get_inbound_email_address(ctx: RequestContext) -> InboundAddress:
    """Email sent to `address` is stored and added to the sender's timeline; email a member sends
    to a contact with `bcc_address` in BCC is logged as sent on the contact's timeline."""
    return logic.get_address(ctx)


handler = api.handler
