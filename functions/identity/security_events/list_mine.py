"""GET /v1/me/security-events: the signed-in user's security events, newest first."""

from hearth.http import Api, Caller
from hearth.http.pagination import Cursor, Limit, Page
from hearth.identity import security_events
from hearth.identity.security_events import SecurityEvent

api = Api()


@api.get("/v1/me/security-events", permission=None, tenant=False)
def list_my_security_events(caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Page[SecurityEvent]:
    """What happened to the caller's sign-in security (users only): sign-ins (from a new device
    or not), failed and locked sign-ins, password resets asked for, second factors changed,
    sessions ended."""
    return security_events.mine(caller, limit, cursor)


handler = api.handler
