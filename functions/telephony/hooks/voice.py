"""POST /webhooks/twilio/voice: a call to one of an org's numbers (ring the member, then
voicemail), and the steps of a call Hearth placed (bridge to the person); answered with TwiML."""

from hearth import needs
from hearth.hooks import Hook, lookups
from hearth.telephony.calls import voice

hook = Hook()

hook.post(
    "/webhooks/twilio/voice",
    provider="twilio",
    org=lookups.org_by("hearth_org_of_phone_number", lambda d: voice.org_number(d.payload)),
    needs=[needs.TWILIO_SDK, needs.SECRETS_KEY_OPEN, needs.EVENTS],
    ack=voice.twiml("<Reject/>"),
)(voice.answer_call)

handler = hook.handler
