"""Member rules: admins and owners manage members; nobody grants a role above their own or
changes someone ranked above them; anyone may leave; the org always keeps an owner. People join
only by accepting an invitation (``hearth.invitations``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth import rbac
from hearth.http import RequestContext
from hearth.members import store
from hearth.members.models import Member, MemberUpdate
from hearth.problems import Conflict, Forbidden, NotFound, PreconditionFailed


def _may_grant(ctx: RequestContext, role: rbac.Role) -> None:
    if not rbac.at_most(role, ctx.role):
        raise Forbidden("role_above_yours", f"You ({ctx.role}) cannot grant the {role} role.")


def _lock_membership(ctx: RequestContext) -> None:
    """Serialise membership changes per org (the org row is the lock), so two owners demoting
    each other at once cannot both pass the last-owner check."""
    store.lock_org(ctx.db)


def _target(ctx: RequestContext, user_id: UUID) -> dict[str, Any]:
    _lock_membership(ctx)
    row = store.get(ctx.db, user_id, lock=True)
    if row is None:
        raise NotFound("member", user_id)
    if not rbac.at_most(row["role"], ctx.role):
        raise Forbidden("member_above_you", "You cannot change a member ranked above you.")
    return row


def _keep_an_owner(ctx: RequestContext, target: dict[str, Any]) -> None:
    if target["role"] == rbac.Role.OWNER and store.count_owners(ctx.db) <= 1:
        raise Conflict("last_owner", "The org must keep at least one owner.")


def update(ctx: RequestContext, user_id: UUID, body: MemberUpdate) -> Member:
    target = _target(ctx, user_id)
    ctx.check_if_match(target["version"])
    _may_grant(ctx, body.role)
    if body.role != target["role"]:
        if body.role != rbac.Role.OWNER:
            _keep_an_owner(ctx, target)
        if not store.set_role(ctx.db, user_id, body.role, target["version"]):
            raise PreconditionFailed("stale_version", "The member changed while this request ran; retry.")
        ctx.audit(
            "member.update",
            "member",
            user_id,
            changes={"role": {"from": target["role"], "to": body.role.value}},
        )
    row = store.get(ctx.db, user_id)
    assert row is not None
    ctx.set_etag(row["version"])
    return Member(**row)


def remove(ctx: RequestContext, user_id: UUID) -> None:
    if not ctx.owns(user_id):
        # "own" scope: members and viewers may remove only themselves (leave the org).
        if store.get(ctx.db, user_id) is None:
            raise NotFound("member", user_id)
        raise Forbidden("permission_denied", "You may only remove yourself.")
    target: dict[str, Any] | None
    if str(user_id) != str(ctx.user_id):
        target = _target(ctx, user_id)
    else:
        # Leaving takes its turn too: two owners leaving at once must not both pass the check.
        _lock_membership(ctx)
        target = store.get(ctx.db, user_id, lock=True)
    if target is None:
        raise NotFound("member", user_id)
    ctx.check_if_match(target["version"])
    _keep_an_owner(ctx, target)
    store.delete(ctx.db, user_id)
    ctx.audit("member.remove", "member", user_id, changes={"role": target["role"]})
