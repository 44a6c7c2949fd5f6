"""GET /v1/invitations: the org's invitations, pending and past (never their tokens)."""

from hearth.invitations.models import Invitation
from hearth.invitations.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/invitations",
    LISTING,
    Invitation,
    permission="invitations:read",
    doc="List the org's invitations, newest first (filter by `status`).",
    operation_id="list_invitations",
)
handler = api.handler
