"""GET /v1/email/suppressions: the addresses the org does not email."""

from hearth.email.models import EmailSuppression
from hearth.email.store import SUPPRESSION_LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/email/suppressions",
    SUPPRESSION_LISTING,
    EmailSuppression,
    permission="email_suppressions:read",
    doc="List the suppressed addresses (bounces, complaints, unsubscribes, added by hand), newest first.",
    operation_id="list_email_suppressions",
)
handler = api.handler
