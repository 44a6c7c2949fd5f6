"""POST /webhooks/twilio/sms: an SMS to one of an org's numbers (Twilio's messaging webhook):
verified with the account's auth token, deduplicated, stored with the person's interaction and
`sms.received`; STOP/START/HELP honoured; answered with TwiML."""

from hearth import needs
from hearth.hooks import Hook, lookups
from hearth.telephony import inbound

hook = Hook()

hook.post(
    "/webhooks/twilio/sms",
    provider="twilio",
    org=lookups.org_by("hearth_org_of_phone_number", lambda d: d.payload.get("To")),
    needs=[needs.TWILIO_SDK, needs.SECRETS_KEY_OPEN, needs.EVENTS],
    ack=inbound.EMPTY,
)(inbound.receive_sms)

handler = hook.handler
