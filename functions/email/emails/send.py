"""POST /v1/emails: send an email through SES (in the background)."""

from hearth import needs
from hearth.email import logic
from hearth.email.models import Email, EmailSend
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/emails",
    permission="emails:send",
    status_code=202,
    refuses=(402,),
    needs=[needs.EVENTS, needs.SES_IDENTITIES, needs.EMAIL_TEMPLATES],
)
def send_email(ctx: RequestContext, body: EmailSend) -> Email:
    """Send an email to a person (their email) or an address: the answer is the email, `queued`;
    the email sender hands it to SES, and SES's events move it to `sent`, `delivered`, `bounced`
    or `complained` (events `email.sent`, `email.delivered`, `email.bounced`,
    `email.complained`). A template is rendered now, with the linked person, company and deal
    and the variables given (422 `template_render_failed`: nothing is sent). A suppressed
    recipient is refused with 422 `recipient_suppressed`, an unverified sender with 422
    `domain_not_verified`, a used-up monthly allowance with 402 `quota_exceeded`.
    Send an Idempotency-Key to make retries safe."""
    return logic.send(ctx, body)


handler = api.handler
