"""DELETE /v1/me/sessions/{session_id}: sign one session out."""

from uuid import UUID

from hearth.http import Api, Caller
from hearth.identity import logic

api = Api()


@api.delete("/v1/me/sessions/{session_id}", permission=None, tenant=False, status_code=204)
def delete_my_session(caller: Caller, session_id: UUID) -> None:
    """End one of the caller's sessions: every access token of that sign-in is refused from now
    on (within the gateway's 30 s cache). Ending an ended session changes nothing; another user's
    session is not found."""
    logic.sign_out(caller, session_id)


handler = api.handler
