"""GET /v1/messages/sms/{message_id}: one SMS and its delivery status."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import SmsMessage

api = Api()


@api.get("/v1/messages/sms/{message_id}", permission="sms_messages:read")
def get_sms_message(ctx: RequestContext, message_id: UUID) -> SmsMessage:
    """An SMS: its status, Twilio's sid once Twilio has it, and Twilio's error code if it failed."""
    return logic.get_message(ctx, message_id)


handler = api.handler
