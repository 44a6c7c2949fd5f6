"""GET /v1/calls/{call_id}: one call."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.telephony.calls import logic as calls
from hearth.telephony.models import Call

api = Api()


@api.get("/v1/calls/{call_id}", permission="calls:read")
def get_call(ctx: RequestContext, call_id: UUID) -> Call:
    """A call: its status, duration, whether it went to voicemail and whether its recording is stored."""
    return calls.get(ctx, call_id)


handler = api.handler
