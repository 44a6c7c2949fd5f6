"""DELETE /v1/users/me: delete your own account (leave every org; personal data erased)."""

from hearth import needs
from hearth.http import Api, Caller
from hearth.lifecycle import deletion_users
from hearth.lifecycle.deletion_users import UserDeleted

api = Api()


@api.delete("/v1/users/me", permission=None, tenant=False, needs=[needs.SYSTEM_DB, needs.COGNITO_USER_DELETE])
def delete_me(caller: Caller) -> UserDeleted:
    """Delete your account: you leave every org (409 `last_owner`, naming them, while you are the
    last owner of any), the API keys you created are revoked, your sessions end, and your email,
    name and second factors are erased; audit rows keep your id. Every token of yours is refused
    from then on. Users only (API keys cannot)."""
    return deletion_users.delete_me(caller)


handler = api.handler
