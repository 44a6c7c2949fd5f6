"""POST /v1/invitations: invite an email address to the org; the token is in this response only."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.invitations import logic
from hearth.invitations.models import InvitationCreate, InvitationCreated

api = Api()


@api.post(
    "/v1/invitations",
    permission="invitations:create",
    status_code=201,
    reveals_secret=True,
    refuses=(402,),
    needs=[needs.API_KEY_PEPPER, needs.EVENTS],
)
def create_invitation(ctx: RequestContext, body: InvitationCreate) -> InvitationCreated:
    """Invite an email address with a role no higher than yours, for 7 days. Pass the token on:
    only an identity verified for that address can accept it. The answer is the same whether or
    not the address has an account. 402 `seat_limit_reached` when every seat of the plan is
    taken."""
    return logic.create(ctx, body)


handler = api.handler
