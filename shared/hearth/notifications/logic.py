"""The notification routes' rules: a user reads and marks only their own notifications (row-level
security names the caller; another member's notification is a 404 like another org's), and keeps
their own preferences per type and channel, the defaults where they chose none."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from hearth.http import RequestContext
from hearth.notifications import preferences, store
from hearth.notifications.models import (
    Notification,
    NotificationsRead,
    Preference,
    Preferences,
    PreferencesUpdate,
    UnreadCount,
)
from hearth.problems import NotFound, Unprocessable, field_error


def own(ctx: RequestContext) -> Sequence[tuple[str, Sequence[Any]]]:
    """The list's fixed condition: the caller's own (row-level security says so too; this also
    picks the index)."""
    return [("r.user_id = %s", [ctx.user_id])]


def _user(ctx: RequestContext) -> UUID:
    assert ctx.user_id is not None  # a user, or the user an API key acts for
    return ctx.user_id


def read(ctx: RequestContext, notification_id: UUID) -> Notification:
    row = store.mark_read(ctx.db, notification_id)
    if row is None:
        raise NotFound("notification", notification_id)
    return Notification.model_validate(row)


def read_all(ctx: RequestContext) -> NotificationsRead:
    return NotificationsRead(marked=store.mark_all_read(ctx.db, _user(ctx)))


def unread_count(ctx: RequestContext) -> UnreadCount:
    return UnreadCount(unread=store.unread_count(ctx.db, _user(ctx)))


def _preferences(ctx: RequestContext) -> Preferences:
    chosen = preferences.all_of(ctx.db, _user(ctx))
    return Preferences(
        preferences=[
            Preference.model_validate({"type": t, "in_app": c.in_app, "email": c.email})
            for t, c in chosen.items()
        ]
    )


def _tag(out: Preferences) -> int:
    """The preferences' ETag: a digest of what they are (the same channels, the same tag), as
    the number this API's ETags are."""
    return zlib.crc32(out.model_dump_json().encode())


def get_preferences(ctx: RequestContext) -> Preferences:
    out = _preferences(ctx)
    ctx.set_etag(_tag(out))
    return out


def put_preferences(ctx: RequestContext, body: PreferencesUpdate) -> Preferences:
    seen: set[str] = set()
    for i, p in enumerate(body.preferences):
        if p.type in seen:
            raise Unprocessable(
                "validation_failed",
                "The request has invalid fields.",
                errors=[field_error(f"preferences.{i}.type", f"{p.type} is listed twice.", "duplicate_type")],
            )
        seen.add(p.type)
    before = _preferences(ctx)
    ctx.check_if_match(_tag(before))
    store.save_preferences(ctx.db, _user(ctx), {p.type: (p.in_app, p.email) for p in body.preferences})
    after = get_preferences(ctx)
    if after != before:
        ctx.audit(
            "notification_preferences.update",
            "user",
            _user(ctx),
            changes={"from": before.model_dump()["preferences"], "to": after.model_dump()["preferences"]},
        )
    return after
