"""An org's requirement of a second factor, as the route kit enforces it: a member signed in
through the user pool without one enrolled is refused every route of an org that requires it
(403 ``mfa_required``, saying how to enrol); routes outside any org (``/v1/me``) stay open, so
the front end can show the state while the user enrols through the user pool::

    refuse_without_mfa(principal, org_id)   # raises Forbidden
"""

from __future__ import annotations

from uuid import UUID

from hearth import db
from hearth.principal import Principal
from hearth.problems import Forbidden

ENROL = (
    "This org requires two-step verification. Set up an authenticator app (TOTP) or SMS codes in"
    " your account's security settings (the sign-in service's AssociateSoftwareToken and"
    " VerifySoftwareToken, then SetUserMFAPreference), sign in again, and retry."
)


def required(org_id: UUID | str, user_id: UUID | None) -> bool:
    """Whether ``org_id`` requires MFA of its members (its own short tenant transaction)."""
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        row = conn.execute("SELECT mfa_required FROM org_security_settings").fetchone()
    return bool(row and row["mfa_required"])


def refuse_without_mfa(principal: Principal, org_id: UUID | None) -> None:
    """403 ``mfa_required`` when ``principal`` must have a second factor in ``org_id`` and has
    none. The authorizer judged the org it resolved; a cached answer used for another org is
    judged here, for that org."""
    if principal.kind != "user" or org_id is None:
        return
    if principal.mfa_missing and org_id == principal.org_id:
        raise Forbidden("mfa_required", ENROL)
    if principal.mfa_enrolled is False and org_id != principal.org_id and required(org_id, principal.user_id):
        raise Forbidden("mfa_required", ENROL)
