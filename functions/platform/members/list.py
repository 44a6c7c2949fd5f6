"""GET /v1/members: the org's members (filters, sort, text search, cursor pagination)."""

from hearth.members.models import Member
from hearth.members.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/members",
    LISTING,
    Member,
    permission="members:read",
    doc="List the org's members, oldest first.",
    operation_id="list_members",
)
handler = api.handler
