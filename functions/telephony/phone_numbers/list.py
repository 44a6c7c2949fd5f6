"""GET /v1/phone-numbers: the org's Twilio numbers."""

from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import PhoneNumberList

api = Api()


@api.get("/v1/phone-numbers", permission="phone_numbers:read")
def list_phone_numbers(ctx: RequestContext) -> PhoneNumberList:
    """The org's phone numbers, oldest first: which is the default, which belongs to a member."""
    return logic.list_numbers(ctx)


handler = api.handler
