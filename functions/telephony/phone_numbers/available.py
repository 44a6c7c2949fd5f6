"""GET /v1/phone-numbers/available: numbers Twilio offers for sale to the org's account."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import AvailableNumberList

api = Api()


@api.get(
    "/v1/phone-numbers/available",
    permission="phone_numbers:write",
    refuses=(503,),
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK],
)
def list_available_phone_numbers(
    ctx: RequestContext,
    country: Annotated[str, Query(pattern=r"^[A-Z]{2}$", description="ISO country code.")] = "US",
    area_code: Annotated[int | None, Query(ge=100, le=999, description="A North American area code.")] = None,
    contains: Annotated[
        str | None, Query(pattern=r"^[0-9*]{2,10}$", description="Digits the number contains.")
    ] = None,
) -> AvailableNumberList:
    """Local numbers that can send SMS, as Twilio offers them to the org's account (buy one with
    `POST /v1/phone-numbers/buy`)."""
    return logic.available(ctx, country, area_code, contains)


handler = api.handler
