"""POST /v1/calls: click-to-call (your phone rings, then the person's)."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony.calls import logic as calls
from hearth.telephony.models import Call, CallCreate

api = Api()


@api.post(
    "/v1/calls",
    permission="calls:create",
    status_code=201,
    refuses=(503,),
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.PUBLIC_URL],
)
def create_call(ctx: RequestContext, body: CallCreate) -> Call:
    """Call a person (their first phone) or a number: Twilio rings your own phone (the `forward_to`
    of your own number; 422 `no_member_phone` without one) and, when you answer, dials them with
    the org's number as caller id. The call is `queued`; status callbacks move it on."""
    return calls.place(ctx, body)


handler = api.handler
