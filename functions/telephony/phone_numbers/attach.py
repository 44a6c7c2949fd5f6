"""POST /v1/phone-numbers: attach a number the org's Twilio account already holds."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import PhoneNumber, PhoneNumberAttach

api = Api()


@api.post(
    "/v1/phone-numbers",
    permission="phone_numbers:write",
    status_code=201,
    refuses=(503,),
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.PUBLIC_URL],
)
def attach_phone_number(ctx: RequestContext, body: PhoneNumberAttach) -> PhoneNumber:
    """Attach a number of the org's Twilio account: Twilio is asked whether the account holds it
    (422 `number_not_in_account`), and its SMS and voice webhooks are pointed at this deployment.
    A number belongs to one org (409 `phone_number_taken`). The org's first number is its default."""
    return logic.attach(ctx, body)


handler = api.handler
