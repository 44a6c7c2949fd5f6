"""POST /webhooks/twilio/voice-status: Twilio's call status callbacks (the org whose account
signed them); statuses move forward only; an ended call is on the person's timeline and emits
`call.completed`."""

from hearth import needs
from hearth.hooks import Hook
from hearth.telephony.calls import voice

hook = Hook()

hook.post(
    "/webhooks/twilio/voice-status",
    provider="twilio",
    needs=[needs.TWILIO_SDK, needs.SECRETS_KEY_OPEN, needs.EVENTS],
)(voice.call_status)

handler = hook.handler
