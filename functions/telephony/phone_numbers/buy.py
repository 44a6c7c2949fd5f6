"""POST /v1/phone-numbers/buy: buy a number into the org's Twilio account."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import PhoneNumber, PhoneNumberBuy

api = Api()


@api.post(
    "/v1/phone-numbers/buy",
    permission="phone_numbers:write",
    status_code=201,
    refuses=(503,),
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.PUBLIC_URL],
)
def buy_phone_number(ctx: RequestContext, body: PhoneNumberBuy) -> PhoneNumber:
    """Buy a number Twilio offers (see `GET /v1/phone-numbers/available`) with the org's account,
    its SMS and voice webhooks pointed at this deployment. Releasing it later releases it in Twilio."""
    return logic.buy(ctx, body)


handler = api.handler
