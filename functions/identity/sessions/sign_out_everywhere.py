"""POST /v1/me/sessions/sign-out-everywhere: end every session of the signed-in user."""

from hearth import needs
from hearth.http import Api, Caller
from hearth.identity import logic
from hearth.identity.models import SignedOut

api = Api()


@api.post(
    "/v1/me/sessions/sign-out-everywhere",
    permission=None,
    tenant=False,
    idempotent=False,
    needs=[needs.COGNITO_USER_POOL],
)
def sign_out_everywhere(caller: Caller) -> SignedOut:
    """End every session of the caller and revoke all their refresh tokens in the user pool
    (AdminUserGlobalSignOut): every device must sign in again. Safe to repeat."""
    return logic.sign_out_everywhere(caller)


handler = api.handler
