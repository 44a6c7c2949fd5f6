"""The user pool's admin calls Hearth makes (boto3 ``cognito-idp``, imported on first use):
a user's verified email and enrolled second factors, and signing a user out everywhere::

    state = user_state("0b9…")          # UserState(email=..., email_verified=True, mfa=("totp",))
    sign_out_everywhere("0b9…")         # every refresh token of the user revoked

Only ``settings().cognito_user_pool_id`` is reached. Nothing here logs what Cognito answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hearth import aws
from hearth.settings import ConfigurationError, settings

#: The user pool's names of second factors, and Hearth's.
_MFA = {"SOFTWARE_TOKEN_MFA": "totp", "SMS_MFA": "sms"}


class UserNotFound(Exception):
    """The user pool does not know the user (deleted since the token was issued)."""


@dataclass(frozen=True, slots=True)
class UserState:
    email: str | None
    email_verified: bool
    #: Enrolled second factors, Hearth's names, in a stable order ("sms", "totp").
    mfa: tuple[str, ...]
    #: The factor Cognito asks for first ("totp", "sms"), or None.
    preferred_mfa: str | None
    enabled: bool = True


def pool_id() -> str:
    pool = settings().cognito_user_pool_id
    if not pool:
        raise ConfigurationError("missing configuration: set HEARTH_COGNITO_USER_POOL_ID")
    return pool


def _client() -> Any:
    return aws.client("cognito-idp", read_timeout=5)


def user_state(username: str) -> UserState:
    """What the user pool holds of ``username`` now (AdminGetUser)."""
    client = _client()
    try:
        reply = client.admin_get_user(UserPoolId=pool_id(), Username=username)
    except client.exceptions.UserNotFoundException as exc:
        raise UserNotFound(username) from exc
    attributes = {a["Name"]: a["Value"] for a in reply.get("UserAttributes", [])}
    mfa = sorted({_MFA[m] for m in reply.get("UserMFASettingList") or [] if m in _MFA})
    return UserState(
        email=attributes.get("email"),
        email_verified=str(attributes.get("email_verified", "")).lower() == "true",
        mfa=tuple(mfa),
        preferred_mfa=_MFA.get(reply.get("PreferredMfaSetting") or ""),
        enabled=bool(reply.get("Enabled", True)),
    )


def sign_out_everywhere(username: str) -> None:
    """Revoke every refresh token of ``username`` (AdminUserGlobalSignOut): no sign-in of the
    user can be refreshed again; access tokens already issued are refused by the authorizer
    through their ended sessions."""
    client = _client()
    try:
        state = user_state(username)
        # The user is named by the address they sign in with: Cognito takes it or the ``sub``
        # alike; moto matches the sign-ins' refresh tokens by the name given at sign-in only.
        name = state.email or username
        client.admin_user_global_sign_out(UserPoolId=pool_id(), Username=name)
    except (UserNotFound, client.exceptions.UserNotFoundException):
        return  # nothing left to sign out


def delete_user(username: str) -> None:
    """Delete ``username`` from the user pool (AdminDeleteUser): the account's deletion. Raises
    :class:`UserNotFound` when the pool has no such user."""
    client = _client()
    state = user_state(username)
    try:
        client.admin_delete_user(UserPoolId=pool_id(), Username=state.email or username)
    except client.exceptions.UserNotFoundException as exc:
        raise UserNotFound(username) from exc
