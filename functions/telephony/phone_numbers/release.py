"""DELETE /v1/phone-numbers/{number_id}: release a number."""

from uuid import UUID

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony import logic

api = Api()


@api.delete(
    "/v1/phone-numbers/{number_id}",
    permission="phone_numbers:write",
    status_code=204,
    refuses=(503,),
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK],
)
def release_phone_number(ctx: RequestContext, number_id: UUID) -> None:
    """Release the number: a number bought through Hearth is released in Twilio too; an attached
    one stays in the org's Twilio account. Messages sent from it are kept."""
    logic.release(ctx, number_id)


handler = api.handler
