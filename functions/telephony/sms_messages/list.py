"""GET /v1/messages/sms: the org's SMS, newest first."""

from hearth.records import routes
from hearth.telephony.models import SmsMessage
from hearth.telephony.store import SMS_LISTING

api = routes.list_rows(
    "/v1/messages/sms",
    SMS_LISTING,
    SmsMessage,
    permission="sms_messages:read",
    doc="List the SMS sent and received through the org's numbers, newest first.",
    operation_id="list_sms_messages",
)
handler = api.handler
