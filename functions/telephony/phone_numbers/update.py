"""PATCH /v1/phone-numbers/{number_id}: the org's default number, a member's own number."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import PhoneNumber, PhoneNumberUpdate

api = Api()


@api.patch("/v1/phone-numbers/{number_id}", permission="phone_numbers:write")
def update_phone_number(ctx: RequestContext, number_id: UUID, body: PhoneNumberUpdate) -> PhoneNumber:
    """Make the number the org's default (`is_default: true`; the previous default stops being
    one), or a member's own number (`member_user_id`: the member sends from it; `forward_to`: the
    member's phone that calls to it ring). Send If-Match with the ETag to avoid lost updates."""
    return logic.update_number(ctx, number_id, body)


handler = api.handler
