"""GET /v1/me: the signed-in user, with their second factors as the user pool holds them."""

from hearth import needs
from hearth.http import Api, Caller
from hearth.identity import logic
from hearth.identity.models import Me

api = Api()


@api.get("/v1/me", permission=None, tenant=False, needs=[needs.COGNITO_USER_POOL])
def get_me(caller: Caller) -> Me:
    """The caller (users only), with MFA state read from the user pool now: whether a second factor
    (TOTP, SMS) is enrolled, which, and which is asked for first. Enrol through the user pool
    (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference), then call this to see it."""
    return logic.me(caller)


handler = api.handler
