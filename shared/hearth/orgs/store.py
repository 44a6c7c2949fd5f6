"""Data access for orgs (the tenant transaction scopes every statement to one org)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from hearth.db import Connection

_COLUMNS = "id, name, plan, timezone, task_key_prefix, created_at, updated_at, version"


def insert(conn: Connection, org_id: UUID, name: str, timezone: str) -> dict[str, Any]:
    row = conn.execute(
        f"INSERT INTO orgs (id, name, timezone) VALUES (%s, %s, %s) RETURNING {_COLUMNS}",
        (org_id, name, timezone),
    ).fetchone()
    assert row is not None
    return row


# The user's org creations of the current UTC day (its window ends at midnight).
_COUNT_CREATION_SQL = """
INSERT INTO user_rate_counters AS u (user_id, subject, window_start, hits)
VALUES (%(user)s, 'org_creations', date_trunc('day', now(), 'UTC'), 1)
ON CONFLICT (user_id, subject, window_start) DO UPDATE SET hits = u.hits + 1
RETURNING u.hits,
  GREATEST(1, ceil(extract(epoch FROM u.window_start + interval '1 day' - now())))::int AS reset_seconds
"""


def count_creation(conn: Connection, user_id: UUID) -> dict[str, Any]:
    """Count one org creation by ``user_id`` today (the transaction names that user); returns
    ``hits`` (this one included) and ``reset_seconds`` until the window ends."""
    row = conn.execute(_COUNT_CREATION_SQL, {"user": user_id}).fetchone()
    assert row is not None
    return row


def current(conn: Connection, *, lock: bool = False) -> dict[str, Any] | None:
    """The org; ``lock`` holds its row for an update (``FOR NO KEY UPDATE``, which the key-share
    locks of foreign-key checks do not wait for; see ``members.store.lock_org``)."""
    return conn.execute(f"SELECT {_COLUMNS} FROM orgs" + (" FOR NO KEY UPDATE" if lock else "")).fetchone()


def update(conn: Connection, version: int, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``changes`` if the org is still at ``version``; ``None`` when it moved on."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in changes
    )
    query = sql.SQL("UPDATE orgs SET {} WHERE version = %(_version)s RETURNING " + _COLUMNS).format(
        assignments
    )
    return conn.execute(query, {**changes, "_version": version}).fetchone()
