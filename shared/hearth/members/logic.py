"""Member rules: admins and owners manage members; nobody grants a role above their own or
changes someone ranked above them; anyone may leave; the org always keeps an owner."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth import rbac
from hearth.http import RequestContext
from hearth.members import store
from hearth.members.models import Member, MemberAdd, MemberUpdate
from hearth.problems import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable, field_error
from hearth.users import store as users_store


def _may_grant(ctx: RequestContext, role: rbac.Role) -> None:
    if not rbac.at_most(role, ctx.role):
        raise Forbidden("role_above_yours", f"You ({ctx.role}) cannot grant the {role} role.")


def add(ctx: RequestContext, body: MemberAdd) -> Member:
    _may_grant(ctx, body.role)
    user = users_store.find_for_membership(user_id=body.user_id, email=body.email)
    if user is None:
        field = "user_id" if body.user_id is not None else "email"
        raise Unprocessable(
            "user_not_found",
            "No user with that identity has signed in yet.",
            errors=[field_error(field, "no such user", "user_not_found")],
        )
    if store.get(ctx.db, user["id"]) is not None:
        raise Conflict("already_a_member", "This user is already a member of the org.")
    store.insert(ctx.db, user["id"], body.role)
    ctx.audit("member.add", "member", user["id"], changes={"role": body.role.value})
    row = store.get(ctx.db, user["id"])
    assert row is not None
    return Member(**row)


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
    target = (
        _target(ctx, user_id) if str(user_id) != str(ctx.user_id) else store.get(ctx.db, user_id, lock=True)
    )
    if target is None:
        raise NotFound("member", user_id)
    ctx.check_if_match(target["version"])
    _keep_an_owner(ctx, target)
    store.delete(ctx.db, user_id)
    ctx.audit("member.remove", "member", user_id, changes={"role": target["role"]})
