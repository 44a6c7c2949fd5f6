"""GET /v1/me/sessions: the signed-in user's sign-in sessions, newest first."""

from hearth.http import Api, Caller
from hearth.http.pagination import Cursor, Limit, Page
from hearth.identity import logic
from hearth.identity.models import Session

api = Api()


@api.get("/v1/me/sessions", permission=None, tenant=False)
def list_my_sessions(caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Page[Session]:
    """Every sign-in of the caller (users only): device (user agent), address, created, last seen
    (moves at most once a minute), and when and why it ended (`signed_out`,
    `signed_out_everywhere`, `idle`). `current` marks the session of this request."""
    return logic.sessions(caller, limit, cursor)


handler = api.handler
