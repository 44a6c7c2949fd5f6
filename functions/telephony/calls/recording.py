"""GET /v1/calls/{call_id}/recording: a short-lived link to the call's recording."""

from uuid import UUID

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.telephony.calls import logic as calls
from hearth.telephony.models import RecordingLink

api = Api()


@api.get("/v1/calls/{call_id}/recording", permission="calls:read", needs=[needs.RECORDINGS_READ])
def get_call_recording(ctx: RequestContext, call_id: UUID) -> RecordingLink:
    """A presigned URL of the recording (voicemail), valid a few minutes; 409 `recording_pending`
    while it is still being copied out of Twilio, 404 `recording_not_found` when there is none."""
    return calls.recording(ctx, call_id)


handler = api.handler
