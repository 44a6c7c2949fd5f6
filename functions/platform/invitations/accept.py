"""POST /v1/invitations/accept: join an org with an invitation's token."""

from hearth import needs
from hearth.http import Api, Caller
from hearth.invitations import logic
from hearth.invitations.models import InvitationAccept, InvitationAccepted

api = Api()


# The invited user is no member yet: the route runs outside any org (the token names it).
@api.post(
    "/v1/invitations/accept",
    permission=None,
    tenant=False,
    idempotent=False,
    refuses=(402,),
    needs=[needs.API_KEY_PEPPER],
)
def accept_invitation(caller: Caller, body: InvitationAccept) -> InvitationAccepted:
    """Accept an invitation: signed in with the invited address (verified by your identity
    provider), become a member of its org with its role. 402 `seat_limit_reached` when every
    seat of the org's plan is taken."""
    return logic.accept(caller, body)


handler = api.handler
