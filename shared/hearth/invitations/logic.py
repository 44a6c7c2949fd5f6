"""Invitation rules.

- Admins and owners invite an email address with a role no higher than their own. Nothing is
  looked up outside the org, so the answer is the same whether or not the address has an account
  (an address already held by a member of this org is refused: the org sees its members' emails
  anyway). Inviting an address again replaces its pending invitation (the old token stops working).
- The answer carries a one-time token: ``hi_`` + the org's id and 24 random bytes, base64url.
  Only its keyed hash (HMAC with the API key pepper) is stored.
- Accepting needs the token *and* a signed-in user whose email the identity provider verified
  and which is the invited address; within 7 days; once. The inviter must still be a member able
  to grant the role, or the invitation is void. The user becomes a member with the role.
- Every change writes an audit row; accepting writes ``invitation.accept`` and ``member.add``.
  Inviting emits ``invitation.created`` (the invitation without its token), which notifies an
  account that holds the address (``hearth.notifications``).
- Seats: with every seat of the org's plan taken, inviting and accepting answer 402
  ``seat_limit_reached`` (``hearth.billing.access``); members beyond a downgrade's seats stay.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any
from uuid import UUID

from hearth import audit, db, rbac
from hearth.auth import api_keys as keyed_hash
from hearth.billing import access
from hearth.http import Caller, RequestContext
from hearth.invitations import store
from hearth.invitations.models import (
    Invitation,
    InvitationAccept,
    InvitationAccepted,
    InvitationCreate,
    InvitationCreated,
)
from hearth.members import store as members_store
from hearth.problems import Conflict, Forbidden, NotFound, Unprocessable, field_error

TOKEN_PREFIX = "hi_"  # noqa: S105 - a prefix, not a secret
_SECRET_BYTES = 24


def new_token(org_id: UUID) -> str:
    raw = org_id.bytes + secrets.token_bytes(_SECRET_BYTES)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_org(token: str) -> UUID | None:
    """The org a token names, or ``None`` when it is not shaped like one of ours."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    body = token[len(TOKEN_PREFIX) :]
    if len(body) != 54:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "==")
    except (binascii.Error, ValueError):
        return None
    return UUID(bytes=raw[:16]) if len(raw) == 16 + _SECRET_BYTES else None


def create(ctx: RequestContext, body: InvitationCreate) -> InvitationCreated:
    if not rbac.at_most(body.role, ctx.role):
        raise Forbidden("role_above_yours", f"You ({ctx.role}) cannot invite with the {body.role} role.")
    assert ctx.user_id is not None
    email = str(body.email)
    if store.member_with_email(ctx.db, email):
        raise Conflict("already_a_member", "A member of this org already has this address.")
    access.check_seat(ctx.db, ctx.org_id)
    for earlier in store.pending_for(ctx.db, email):
        store.revoke(ctx.db, earlier)
        ctx.audit("invitation.revoke", "invitation", earlier, changes={"email": email, "reason": "replaced"})
    token = new_token(ctx.org_id)
    row = store.insert(
        ctx.db, email=email, role=body.role, token_hash=keyed_hash.digest(token), invited_by=ctx.user_id
    )
    ctx.audit("invitation.create", "invitation", row["id"], changes={"email": email, "role": body.role.value})
    invitation = Invitation(**row)
    ctx.emit("invitation.created", "invitation", row["id"], {"object": invitation.model_dump(mode="json")})
    return InvitationCreated(**row, token=token)


def revoke(ctx: RequestContext, invitation_id: UUID) -> None:
    row = store.get(ctx.db, invitation_id, lock=True)
    if row is None:
        raise NotFound("invitation", invitation_id)
    if row["accepted_at"] is not None:
        raise Conflict("invitation_accepted", "This invitation was accepted; remove the member instead.")
    if row["revoked_at"] is None:
        store.revoke(ctx.db, invitation_id)
        ctx.audit("invitation.revoke", "invitation", invitation_id, changes={"email": row["email"]})


def _not_found() -> Unprocessable:
    # 422 on the field, not 404: the route's path names no resource (and the answer is one for
    # every token that is not an invitation of ours, another org's included).
    return Unprocessable(
        "invitation_not_found",
        "No invitation has this token.",
        errors=[field_error("token", "No invitation has this token.", "invitation_not_found")],
    )


def accept(caller: Caller, body: InvitationAccept) -> InvitationAccepted:
    principal = caller.principal
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("users_only", "Only a signed-in user can accept an invitation; API keys cannot.")
    org_id = token_org(body.token)
    if org_id is None:
        raise _not_found()
    user_id = principal.user_id
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        row = store.by_token(conn, keyed_hash.digest(body.token))
        if row is None:
            raise _not_found()
        _check(conn, row, store.verified_email(conn), user_id)
        access.check_seat(conn, org_id)
        members_store.insert(conn, user_id, rbac.Role(row["role"]))
        store.accept(conn, row["id"], user_id)
        for action, resource_type, resource_id, changes in (
            ("invitation.accept", "invitation", row["id"], {"email": row["email"], "role": row["role"]}),
            ("member.add", "member", user_id, {"role": row["role"], "invitation_id": str(row["id"])}),
        ):
            audit.record(
                conn,
                org_id=org_id,
                actor=principal.actor,
                action=action,
                resource_type=resource_type,
                resource_id=resource_id,
                changes=changes,
                meta=caller.request.meta,
            )
    return InvitationAccepted(org_id=org_id, user_id=user_id, role=row["role"], invitation_id=row["id"])


def _check(conn: db.Connection, row: dict[str, Any], email: str | None, user_id: UUID) -> None:
    """Refuse an invitation this user may not accept (now)."""
    if email is None or email.lower() != str(row["email"]).lower():
        raise Forbidden(
            "invitation_for_another_address",
            "This invitation is for another email address. Sign in with the address it was sent"
            " to; your identity provider must have verified it.",
        )
    if row["status"] == "accepted":
        raise Conflict("invitation_accepted", "This invitation has been accepted already.")
    if row["status"] == "revoked":
        raise Conflict("invitation_revoked", "This invitation was revoked; ask for a new one.")
    if row["status"] == "expired":
        raise Conflict("invitation_expired", "This invitation has expired; ask for a new one.")
    if members_store.get(conn, user_id) is not None:
        raise Conflict("already_a_member", "You are a member of this org already.")
    inviter = store.member_role(conn, row["invited_by"])
    if inviter is None or not rbac.at_most(row["role"], inviter):
        raise Conflict(
            "invitation_void",
            "Whoever invited you can no longer grant this role; ask for a new invitation.",
        )
