"""Org rules: any signed-in user may create an org (up to ``org_creations_per_day`` a day) and
becomes its owner; admins and owners edit it."""

from __future__ import annotations

import uuid
from typing import Any

from hearth import audit, db
from hearth.http import Caller, RequestContext
from hearth.members import store as members_store
from hearth.orgs import store
from hearth.orgs.models import Org, OrgCreate, OrgUpdate
from hearth.problems import Forbidden, NotFound, PreconditionFailed, TooManyRequests
from hearth.rbac import Role
from hearth.settings import settings

#: Called with (conn, org_id, owner_user_id) inside the transaction that creates an org, so
#: other areas can give a new org its defaults (the CRM's default pipeline, for example).
on_create: list[Any] = []


def _org(row: dict[str, Any], role: Role | str) -> Org:
    return Org(**row, role=Role(role))


def create(caller: Caller, body: OrgCreate) -> Org:
    principal = caller.principal
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("users_only", "Only a signed-in user can create an org; API keys cannot.")
    org_id = uuid.uuid4()
    with db.tenant_transaction(org_id, user_id=principal.user_id) as conn:
        _count_creation(conn, principal.user_id)
        row = store.insert(conn, org_id, body.name, body.timezone)
        members_store.insert(conn, principal.user_id, Role.OWNER)
        for hook in on_create:
            hook(conn, org_id, principal.user_id)
        audit.record(
            conn,
            org_id=org_id,
            actor=principal.actor,
            action="org.create",
            resource_type="org",
            resource_id=org_id,
            changes=body.model_dump(),
            meta=caller.request.meta,
        )
    caller.response_headers["Location"] = "/v1/orgs/current"
    return _org(row, Role.OWNER)


def _count_creation(conn: db.Connection, user_id: uuid.UUID) -> None:
    """429 once the user has created their day's orgs (counted in the creating transaction,
    so a refused or failed creation does not count)."""
    limit = settings().org_creations_per_day
    count = store.count_creation(conn, user_id)
    if count["hits"] > limit:
        raise TooManyRequests(
            "org_limit_reached",
            f"You can create {limit} orgs a day. Retry after {count['reset_seconds']} s.",
            headers={"Retry-After": str(count["reset_seconds"])},
        )


def get_current(ctx: RequestContext) -> Org:
    row = store.current(ctx.db)
    if row is None:
        raise NotFound("org", ctx.org_id)
    ctx.set_etag(row["version"])
    return _org(row, ctx.role)


def update_current(ctx: RequestContext, body: OrgUpdate) -> Org:
    # Locked: a concurrent update waits here and this one applies on top of it, so a request
    # without If-Match never fails on a version it did not name.
    before = store.current(ctx.db, lock=True)
    if before is None:
        raise NotFound("org", ctx.org_id)
    ctx.check_if_match(before["version"])
    changes = body.model_dump(exclude_unset=True)
    after = store.update(ctx.db, before["version"], changes)
    if after is None:
        raise PreconditionFailed("stale_version", "The org changed while this request ran; retry.")
    ctx.audit(
        "org.update",
        "org",
        ctx.org_id,
        changes=audit.diff({k: before[k] for k in changes}, {k: after[k] for k in changes}),
    )
    ctx.set_etag(after["version"])
    return _org(after, ctx.role)
