"""POST /webhooks/twilio/recording: Twilio holds a call's recording (a voicemail); it is noted
and handed to the recording copier (`call.recording_available`; `voicemail.received`)."""

from hearth import needs
from hearth.hooks import Hook
from hearth.telephony.calls import voice

hook = Hook()

hook.post(
    "/webhooks/twilio/recording",
    provider="twilio",
    needs=[needs.TWILIO_SDK, needs.SECRETS_KEY_OPEN, needs.EVENTS],
)(voice.recording)

handler = hook.handler
