"""Deleting one's own account (``DELETE /v1/users/me``)::

    delete_me(caller)   # UserDeleted(orgs_left=[...], api_keys_revoked=2, sessions_ended=1)

- Refused (409 ``last_owner``, naming the orgs) while the user is the last owner of any org:
  nothing is changed then; they hand the org over or delete it first.
- In every org: the API keys the user created are revoked, the membership ends, and the org's
  audit log records ``user.delete`` (the user's id, never their name or address).
- Their sessions end (``account_deleted``); the users row keeps its id, the pseudonymous actor
  of every audit row and event, and its identity provider subject (a token of the deleted
  identity is refused, not provisioned again); email, name and second factors are erased.
- With a Cognito user pool configured, the pool's user is deleted (AdminDeleteUser), so the
  address can sign up afresh as a new user.
"""

from __future__ import annotations

import contextlib
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from hearth import audit, clock, db
from hearth.auth import cognito
from hearth.http import Caller
from hearth.identity import store as identity_store
from hearth.members import store as members_store
from hearth.observability import logger
from hearth.problems import Conflict, Forbidden
from hearth.settings import settings


class UserDeleted(BaseModel):
    id: UUID
    orgs_left: list[UUID]
    api_keys_revoked: int
    sessions_ended: int


def _user(caller: Caller) -> UUID:
    principal = caller.principal
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("users_only", "Only a signed-in user can delete their account; API keys cannot.")
    return principal.user_id


def _memberships(user_id: UUID) -> list[dict[str, Any]]:
    with db.system_transaction() as conn:
        return conn.execute(
            "SELECT org_id, role FROM org_members WHERE user_id = %s ORDER BY org_id", (user_id,)
        ).fetchall()


def _last_owner_of(user_id: UUID, orgs: list[dict[str, Any]]) -> list[UUID]:
    blocking = []
    for org in orgs:
        if org["role"] != "owner":
            continue
        with db.tenant_transaction(org["org_id"], user_id=user_id) as conn:
            if members_store.count_owners(conn) <= 1:
                blocking.append(org["org_id"])
    return blocking


def _refuse_last_owner(blocking: list[UUID]) -> None:
    raise Conflict(
        "last_owner",
        "You are the last owner of some orgs: make someone else an owner, or delete those orgs, first.",
        extensions={"orgs": [str(o) for o in blocking]},
    )


def _leave(caller: Caller, user_id: UUID, org_id: UUID) -> int:
    """Leave one org: revoke the user's keys there, end the membership, audit it. Returns the
    keys revoked. Rechecks the last-owner rule under the org's membership lock."""
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        members_store.lock_org(conn)
        row = members_store.get(conn, user_id, lock=True)
        if row is None:
            return 0
        if row["role"] == "owner" and members_store.count_owners(conn) <= 1:
            _refuse_last_owner([org_id])
        revoked = conn.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE created_by = %s AND revoked_at IS NULL", (user_id,)
        ).rowcount
        members_store.delete(conn, user_id)
        audit.record(
            conn,
            org_id=org_id,
            action="user.delete",
            resource_type="user",
            resource_id=user_id,
            changes={"role": row["role"], "api_keys_revoked": revoked},
            actor=caller.principal.actor,
            meta=caller.request.meta,
        )
    return revoked


def delete_me(caller: Caller) -> UserDeleted:
    user_id = _user(caller)
    orgs = _memberships(user_id)
    blocking = _last_owner_of(user_id, orgs)
    if blocking:
        _refuse_last_owner(blocking)
    revoked = sum(_leave(caller, user_id, org["org_id"]) for org in orgs)
    subject = None
    with identity_store.user_transaction(user_id) as conn:
        ended = identity_store.end_all(conn, user_id, "account_deleted", clock.now())
        found = conn.execute("SELECT idp_subject FROM users WHERE id = %s", (user_id,)).fetchone()
        subject = found["idp_subject"] if found else None
    with db.system_transaction() as conn:
        conn.execute(
            "UPDATE users SET email = NULL, email_verified_at = NULL, name = NULL, mfa_methods = '{}',"
            " mfa_checked_at = NULL, deleted_at = now(), updated_at = now() WHERE id = %s",
            (user_id,),
        )
    if settings().cognito_user_pool_id and subject:
        with contextlib.suppress(cognito.UserNotFound):  # gone from the pool already
            cognito.delete_user(subject)
    logger.info("user deleted", extra={"orgs_left": len(orgs), "api_keys_revoked": revoked})
    return UserDeleted(
        id=user_id, orgs_left=[o["org_id"] for o in orgs], api_keys_revoked=revoked, sessions_ended=ended
    )
