"""Security events: what happened to a user's sign-in security (see migrations/0101). Recorded
by the user pool's triggers and the authorizer (system role) and by the user's own routes (app
role, their own rows); read by the user (``/v1/me/security-events``) and by an org's admins for
its members (``/v1/security-events``; row-level security decides, the route asks nothing more)::

    record(conn, user_id, "session_ended", detail={"reason": "signed_out"})
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from hearth import clock
from hearth.db import Connection
from hearth.http import Caller, RequestContext
from hearth.http.pagination import Page, decode_typed_cursor, paginate
from hearth.identity import store
from hearth.problems import Forbidden

Kind = Literal[
    "signed_up",
    "sign_in",
    "new_device_sign_in",
    "sign_in_failed",
    "sign_in_locked",
    "password_reset_requested",
    "mfa_changed",
    "session_ended",
]


class SecurityEvent(BaseModel):
    id: UUID
    user_id: UUID
    kind: Kind
    ip: str | None = Field(description="Where the sign-in came from, when known.")
    detail: dict[str, Any] = Field(description="What else is known: never a password or a code.")
    occurred_at: datetime


def record(
    conn: Connection,
    user_id: UUID,
    kind: Kind,
    *,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        "INSERT INTO security_events (user_id, kind, ip, detail, occurred_at) VALUES (%s, %s, %s, %s, %s)",
        (user_id, kind, (ip or "")[:64] or None, json.dumps(detail or {}), at or clock.now()),
    )


_LIST_SQL = """
SELECT id, user_id, kind, ip, detail, occurred_at FROM security_events
WHERE (%(user)s::uuid IS NULL OR user_id = %(user)s::uuid)
  AND (%(after_at)s::timestamptz IS NULL OR (occurred_at, id) < (%(after_at)s, %(after_id)s::uuid))
ORDER BY occurred_at DESC, id DESC
LIMIT %(limit)s
"""


def _page(conn: Connection, user: UUID | None, limit: int, cursor: str | None) -> Page[SecurityEvent]:
    after = decode_typed_cursor(cursor, (datetime, UUID)) if cursor else [None, None]
    rows = conn.execute(
        _LIST_SQL, {"user": user, "after_at": after[0], "after_id": after[1], "limit": limit + 1}
    ).fetchall()
    page, next_cursor = paginate(rows, limit, ("occurred_at", "id"))
    return Page[SecurityEvent](data=[SecurityEvent.model_validate(r) for r in page], next_cursor=next_cursor)


def mine(caller: Caller, limit: int, cursor: str | None) -> Page[SecurityEvent]:
    principal = caller.principal
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("users_only", "Only a signed-in user has security events; API keys do not.")
    with store.user_transaction(principal.user_id) as conn:
        return _page(conn, principal.user_id, limit, cursor)


def of_members(
    ctx: RequestContext, limit: int, cursor: str | None, user_id: UUID | None
) -> Page[SecurityEvent]:
    """The org's members' events (row-level security: members of this org, seen by its admins)."""
    return _page(ctx.db, user_id, limit, cursor)
