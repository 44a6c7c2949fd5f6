"""DELETE /v1/invitations/{invitation_id}: revoke an invitation."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.invitations import logic

api = Api()


@api.delete("/v1/invitations/{invitation_id}", permission="invitations:delete", status_code=204)
def revoke_invitation(ctx: RequestContext, invitation_id: UUID) -> None:
    """Revoke an invitation at once: its token stops working. Revoking twice is not an error."""
    logic.revoke(ctx, invitation_id)


handler = api.handler
