"""GET /v1/calls: the org's calls, newest first."""

from hearth.records import routes
from hearth.telephony.calls.store import LISTING
from hearth.telephony.models import Call

api = routes.list_rows(
    "/v1/calls",
    LISTING,
    Call,
    permission="calls:read",
    doc="List the calls to and from the org's numbers, newest first.",
    operation_id="list_calls",
)
handler = api.handler
