"""Ending idle sessions (the hourly ``SessionExpiry`` schedule, as the system role): every
session not seen for the platform's idle limit is ended ``idle``; a user left with no open
session is signed out of the user pool everywhere (AdminUserGlobalSignOut), which revokes the
refresh tokens of those sign-ins. (Cognito revokes one refresh token only when given the token
itself, which Hearth never holds; a user with another session still open keeps it, and the
idle sign-in stays refused by the authorizer through its ended session.)"""

from __future__ import annotations

from datetime import timedelta

from hearth import clock, db
from hearth.auth import cognito, sessions
from hearth.observability import logger
from hearth.settings import settings

BATCH = 500

_END_IDLE_SQL = """
WITH idle AS (
  SELECT id FROM user_sessions
  WHERE ended_at IS NULL AND last_seen_at < %(cutoff)s
  ORDER BY last_seen_at LIMIT %(batch)s
  FOR UPDATE SKIP LOCKED
)
UPDATE user_sessions s SET ended_at = %(now)s, end_reason = 'idle'
FROM idle WHERE s.id = idle.id
RETURNING s.user_id, s.id
"""

_SIGNED_OUT_USERS_SQL = """
SELECT u.id, u.idp_subject FROM users u
WHERE u.id = ANY(%(users)s)
  AND NOT EXISTS (SELECT 1 FROM user_sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL)
"""


def end_idle_sessions() -> dict[str, int]:
    """End the idle sessions and sign out the users left with none (see the module docstring)."""
    now = clock.now()
    cutoff = now - timedelta(hours=settings().session_idle_hours)
    ended = 0
    signed_out = 0
    while True:
        with db.system_transaction() as conn:
            idle = conn.execute(_END_IDLE_SQL, {"cutoff": cutoff, "now": now, "batch": BATCH}).fetchall()
            for row in idle:
                sessions.record_event(
                    conn, row["user_id"], "session_ended", {"reason": "idle", "session_id": str(row["id"])}
                )
            users = [r["user_id"] for r in idle]
            rows = (
                conn.execute(_SIGNED_OUT_USERS_SQL, {"users": list(set(users))}).fetchall() if users else []
            )
            # Before commit: when the user pool cannot be reached, nothing is ended and the next
            # run tries again.
            if settings().cognito_user_pool_id:
                for row in rows:
                    cognito.sign_out_everywhere(row["idp_subject"])
                    signed_out += 1
        ended += len(users)
        if len(users) < BATCH:
            break
    logger.info("idle sessions ended", extra={"ended": ended, "users_signed_out": signed_out})
    return {"ended": ended, "users_signed_out": signed_out}
