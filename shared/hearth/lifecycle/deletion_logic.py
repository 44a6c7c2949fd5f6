"""Org deletion rules.

- Only an owner, signed in (never an API key), deletes the org: confirming it by its exact name
  and naming its current version in ``If-Match`` (412 ``if_match_required`` without; 412
  ``stale_version`` for another). The org is deleted at once: from the next request every
  credential of it is refused (API keys 401 ``org_deleted``; members 403), except its owners'
  signed-in sessions, which are served ``POST /v1/orgs/current/restore`` and nothing else.
- An owner restores it within the grace period (``HEARTH_ORG_DELETION_GRACE_DAYS``, 30 days);
  after it, 409 ``grace_ended``: the daily finaliser removes the org for good.
- Both are audited (``org.delete``, ``org.restore``) and announced (``org.deletion_scheduled``,
  ``org.restored``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hearth import clock
from hearth.http import RequestContext
from hearth.lifecycle import deletion_store as store
from hearth.lifecycle.deletion_models import OrgDeletion, OrgDeletionRequest
from hearth.problems import Conflict, NotFound, PreconditionFailed, invalid
from hearth.settings import settings

ORG_DELETION_SCHEDULED = "org.deletion_scheduled"
ORG_RESTORED = "org.restored"


def restorable_until(deleted_at: datetime | None) -> datetime | None:
    return deleted_at + timedelta(days=settings().org_deletion_grace_days) if deleted_at else None


def _model(row: dict[str, Any]) -> OrgDeletion:
    return OrgDeletion(**row, restorable_until=restorable_until(row["deleted_at"]))


def delete_current(ctx: RequestContext, body: OrgDeletionRequest) -> OrgDeletion:
    assert ctx.user_id is not None
    row = store.current(ctx.db, lock=True)
    if row is None:
        raise NotFound("org", ctx.org_id)
    if ctx.if_match() is None:
        raise PreconditionFailed(
            "if_match_required",
            "Deleting the org needs If-Match with its current ETag (GET /v1/orgs/current).",
        )
    ctx.check_if_match(row["version"])
    if row["deleted_at"] is not None:
        raise Conflict("org_deleted", "The org is deleted already.")
    if body.confirm_name != row["name"]:
        raise invalid("confirm_name", "Type the org's name exactly as it is.", "confirmation_mismatch")
    deleted = _model(store.mark_deleted(ctx.db, ctx.user_id))
    until = deleted.restorable_until.isoformat() if deleted.restorable_until else None
    ctx.audit("org.delete", "org", ctx.org_id, changes={"restorable_until": until})
    ctx.emit(
        ORG_DELETION_SCHEDULED,
        "org",
        ctx.org_id,
        {"object": {"id": str(ctx.org_id), "restorable_until": until}},
    )
    ctx.set_etag(deleted.version)
    return deleted


def restore_current(ctx: RequestContext) -> OrgDeletion:
    row = store.current(ctx.db, lock=True)
    if row is None:
        raise NotFound("org", ctx.org_id)
    if row["deleted_at"] is None:
        raise Conflict("org_not_deleted", "The org is not deleted.")
    until = restorable_until(row["deleted_at"])
    if until is not None and clock.now() >= until:
        raise Conflict("grace_ended", "The org's grace period has ended: its data is being removed for good.")
    restored = _model(store.restore(ctx.db))
    ctx.audit("org.restore", "org", ctx.org_id)
    ctx.emit(ORG_RESTORED, "org", ctx.org_id, {"object": {"id": str(ctx.org_id)}})
    ctx.set_etag(restored.version)
    return restored
