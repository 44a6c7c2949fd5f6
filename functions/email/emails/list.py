"""GET /v1/emails: the org's emails, newest first."""

from hearth.email.models import Email
from hearth.email.store import EMAIL_LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/emails",
    EMAIL_LISTING,
    Email,
    permission="emails:read",
    doc="List the emails the org sent, newest first.",
    operation_id="list_emails",
)
handler = api.handler
