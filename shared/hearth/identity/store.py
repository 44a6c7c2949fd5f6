"""Data access of the identity routes, as the app role. ``user_transaction`` names the caller
(app.user_id) and no org: row-level security then shows the caller's own user row and sessions
only. Org security settings are read and written in the org's tenant transaction."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from uuid import UUID

from hearth import db
from hearth.db import Connection


def user_transaction(user_id: UUID) -> contextlib.AbstractContextManager[Connection]:
    """A transaction as the app role for ``user_id`` alone (no tenant)."""
    return db.database("app").transaction("", str(user_id))


def me(conn: Connection, user_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, email, name, mfa_methods, mfa_checked_at FROM users WHERE id = %s", (user_id,)
    ).fetchone()


_SESSIONS_SQL = """
SELECT id, origin_jti, user_agent, ip, created_at, last_seen_at, ended_at, end_reason
FROM user_sessions
WHERE user_id = %(user)s
  AND (%(after_at)s::timestamptz IS NULL OR (created_at, id) < (%(after_at)s, %(after_id)s::uuid))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""


def sessions(
    conn: Connection, user_id: UUID, limit: int, after: tuple[datetime, UUID] | None
) -> list[dict[str, Any]]:
    return conn.execute(
        _SESSIONS_SQL,
        {
            "user": user_id,
            "after_at": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit,
        },
    ).fetchall()


def end_session(
    conn: Connection, user_id: UUID, session_id: UUID, reason: str, now: datetime
) -> dict[str, Any] | None:
    """End one of the user's sessions; the row (ended now or before), None when not the user's."""
    ended = conn.execute(
        "UPDATE user_sessions SET ended_at = %s, end_reason = %s"
        " WHERE id = %s AND user_id = %s AND ended_at IS NULL",
        (now, reason, session_id, user_id),
    ).rowcount
    row = conn.execute(
        "SELECT id, ended_at FROM user_sessions WHERE id = %s AND user_id = %s", (session_id, user_id)
    ).fetchone()
    return {**row, "ended_now": bool(ended)} if row else None


def end_all(conn: Connection, user_id: UUID, reason: str, now: datetime) -> int:
    cur = conn.execute(
        "UPDATE user_sessions SET ended_at = %s, end_reason = %s WHERE user_id = %s AND ended_at IS NULL",
        (now, reason, user_id),
    )
    return cur.rowcount


def security_settings(conn: Connection, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT mfa_required, session_idle_minutes, updated_at, version FROM org_security_settings"
        + (" FOR UPDATE" if lock else "")
    ).fetchone()


def save_security_settings(
    conn: Connection,
    org_id: UUID,
    *,
    mfa_required: bool,
    session_idle_minutes: int | None,
    updated_by: UUID | None,
) -> None:
    conn.execute(
        """
        INSERT INTO org_security_settings (org_id, mfa_required, session_idle_minutes, updated_by)
        VALUES (%(org)s, %(mfa)s, %(idle)s, %(by)s)
        ON CONFLICT (org_id) DO UPDATE
        SET mfa_required = EXCLUDED.mfa_required,
            session_idle_minutes = EXCLUDED.session_idle_minutes,
            updated_by = EXCLUDED.updated_by
        """,
        {"org": org_id, "mfa": mfa_required, "idle": session_idle_minutes, "by": updated_by},
    )
