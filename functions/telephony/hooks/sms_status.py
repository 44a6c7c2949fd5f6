"""POST /webhooks/twilio/sms-status: Twilio's status callbacks for the SMS an org sent (the org
whose account's auth token signed it); statuses move forward only; `sms.delivered`, `sms.failed`."""

from hearth import needs
from hearth.hooks import Hook
from hearth.telephony import inbound

hook = Hook()

hook.post(
    "/webhooks/twilio/sms-status",
    provider="twilio",
    needs=[needs.TWILIO_SDK, needs.SECRETS_KEY_OPEN, needs.EVENTS],
)(inbound.message_status)

handler = hook.handler
