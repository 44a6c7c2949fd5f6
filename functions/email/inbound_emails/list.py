"""GET /v1/email/inbound-messages: the email the org received, and its members logged by BCC."""

from hearth.email.inbound.models import InboundEmailSummary
from hearth.email.inbound.store import INBOUND_LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/email/inbound-messages",
    INBOUND_LISTING,
    InboundEmailSummary,
    permission="inbound_emails:read",
    doc="List the email received at the org's inbound address and logged through its BCC address,"
    " newest first (without the bodies).",
    operation_id="list_inbound_emails",
)
handler = api.handler
