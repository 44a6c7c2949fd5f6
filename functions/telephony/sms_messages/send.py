"""POST /v1/messages/sms: send an SMS through the org's Twilio account (in the background)."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import SmsMessage, SmsSend

api = Api()


@api.post(
    "/v1/messages/sms",
    permission="sms_messages:send",
    status_code=202,
    needs=[needs.EVENTS],
)
def send_sms(ctx: RequestContext, body: SmsSend) -> SmsMessage:
    """Send an SMS to a person (their first phone) or a number: the answer is the message,
    `queued`; the SMS sender hands it to Twilio, and Twilio's status callbacks move it to `sent`,
    `delivered`, `undelivered` or `failed` (events `sms.delivered`, `sms.failed`). A recipient who
    opted out (STOP) is refused with 422 `recipient_opted_out` and nothing is sent.
    Send an Idempotency-Key to make retries safe."""
    return logic.send(ctx, body)


handler = api.handler
