"""Sign-in sessions as the authorizer keeps them (system role; a token is resolved before any
tenant is known).

A user pool access token names its sign-in (``origin_jti``, the same for every access token
refreshed from it). The first request of a sign-in records it (user agent, IP, created, last
seen); every later one is refused once the sign-in has ended (signed out, or idle) or has been
idle longer than the limit: the platform's ``session_idle_hours`` (24), or less where the org asks
for less. An idle sign-in is ended by the request that finds it so (and by the hourly
``SessionExpiry`` schedule). Last seen moves at most once a minute, so a busy session does not
write on every request. Times come from :func:`hearth.clock.now` (tests move it)::

    verdict = check(conn, user_id=..., session_id=claims.session_id, client_id=..., org_id=...,
                    ip="203.0.113.9", user_agent="Mozilla/5.0 …")
    verdict.refused      # None, "session_ended", "session_idle", "session_of_another_user"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from hearth import clock
from hearth.db import Connection
from hearth.settings import settings

#: Last seen is written at most this often for one session.
TOUCH_EVERY = timedelta(seconds=60)
USER_AGENT_MAX = 500
IP_MAX = 64

_INSERT_SQL = """
INSERT INTO user_sessions (user_id, origin_jti, client_id, user_agent, ip, created_at, last_seen_at)
VALUES (%(user)s, %(jti)s, %(client)s, %(ua)s, %(ip)s, %(now)s, %(now)s)
ON CONFLICT (origin_jti) DO NOTHING
RETURNING id, user_id, created_at, last_seen_at, ended_at, true AS new
"""

_FIND_SQL = """
SELECT id, user_id, created_at, last_seen_at, ended_at, false AS new
FROM user_sessions WHERE origin_jti = %(jti)s FOR UPDATE
"""

_USER_SQL = """
SELECT u.mfa_methods, u.mfa_checked_at,
       s.mfa_required, s.session_idle_minutes
FROM users u
LEFT JOIN org_security_settings s ON s.org_id = %(org)s::uuid
WHERE u.id = %(user)s
"""

_END_SQL = """
UPDATE user_sessions SET ended_at = %(now)s, end_reason = %(reason)s
WHERE id = %(id)s AND ended_at IS NULL
"""

_TOUCH_SQL = "UPDATE user_sessions SET last_seen_at = %(now)s WHERE id = %(id)s AND ended_at IS NULL"

_SET_MFA_SQL = """
WITH before AS (SELECT mfa_methods, mfa_checked_at FROM users WHERE id = %(user)s FOR UPDATE)
UPDATE users u SET mfa_methods = %(mfa)s, mfa_checked_at = %(now)s
FROM before WHERE u.id = %(user)s
RETURNING before.mfa_methods AS was, before.mfa_checked_at IS NOT NULL AS known
"""

# A security event (hearth.identity.security_events, written here too: the authorizer is below it).
_EVENT_SQL = """
INSERT INTO security_events (user_id, kind, ip, detail, occurred_at)
VALUES (%(user)s, %(kind)s, %(ip)s, %(detail)s::jsonb, %(now)s)
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    session: UUID | None
    #: Why the request is refused (logged, never shown), or None.
    refused: str | None
    #: The user pool's view of the user (email, MFA) is older than this sign-in: read it again.
    stale_profile: bool
    mfa_enrolled: bool
    #: The org the request names requires MFA of its members.
    mfa_required: bool


def idle_limit(org_minutes: int | None) -> timedelta:
    """The idle limit in an org: the platform's, or the org's own when shorter."""
    platform = timedelta(hours=settings().session_idle_hours)
    return min(platform, timedelta(minutes=org_minutes)) if org_minutes else platform


def check(
    conn: Connection,
    *,
    user_id: UUID,
    session_id: str,
    client_id: str | None,
    org_id: str | None,
    ip: str | None,
    user_agent: str | None,
) -> Verdict:
    """Record the sign-in ``session_id`` on its first request, or judge and touch it (see the
    module docstring). Ending an idle session is written here: commit before refusing."""
    now = clock.now()
    params: dict[str, Any] = {
        "user": user_id,
        "jti": session_id,
        "client": client_id,
        "ua": (user_agent or "")[:USER_AGENT_MAX] or None,
        "ip": (ip or "")[:IP_MAX] or None,
        "now": now,
        "org": org_id or None,
    }
    row = conn.execute(_INSERT_SQL, params).fetchone() or conn.execute(_FIND_SQL, params).fetchone()
    user = conn.execute(_USER_SQL, params).fetchone() or {}
    enrolled = bool(user.get("mfa_methods"))
    required = bool(user.get("mfa_required"))
    if row is None:  # removed under us: cannot happen (sessions are never deleted); refuse
        return Verdict(None, "session_missing", False, enrolled, required)

    def verdict(refused: str | None) -> Verdict:
        checked: datetime | None = user.get("mfa_checked_at")
        stale = checked is None or checked < row["created_at"]
        return Verdict(row["id"], refused, stale, enrolled, required)

    if row["user_id"] != user_id:
        return verdict("session_of_another_user")
    if row["ended_at"] is not None:
        return verdict("session_ended")
    if now - row["last_seen_at"] > idle_limit(user.get("session_idle_minutes")):
        ended = conn.execute(_END_SQL, {**params, "id": row["id"], "reason": "idle"}).rowcount
        if ended:
            record_event(conn, user_id, "session_ended", {"reason": "idle", "session_id": str(row["id"])})
        return verdict("session_idle")
    if not row["new"] and now - row["last_seen_at"] >= TOUCH_EVERY:
        conn.execute(_TOUCH_SQL, {**params, "id": row["id"]})
    return verdict(None)


def set_mfa(conn: Connection, user_id: UUID, methods: tuple[str, ...] | list[str]) -> None:
    """Keep the user's enrolled second factors as the user pool reported them just now; a change
    from what was known is an ``mfa_changed`` security event (the user pool has no trigger for
    it: Hearth notices at the next sign-in or ``GET /v1/me``)."""
    wanted = sorted(methods)
    row = conn.execute(_SET_MFA_SQL, {"mfa": wanted, "now": clock.now(), "user": user_id}).fetchone()
    if row is not None and row["known"] and sorted(row["was"]) != wanted:
        record_event(conn, user_id, "mfa_changed", {"from": sorted(row["was"]), "to": wanted})


def record_event(
    conn: Connection, user_id: UUID, kind: str, detail: dict[str, Any], ip: str | None = None
) -> None:
    """Write a security event (see ``hearth.identity.security_events``)."""
    import json

    conn.execute(
        _EVENT_SQL,
        {"user": user_id, "kind": kind, "ip": ip, "detail": json.dumps(detail), "now": clock.now()},
    )
