"""Data access for an org's deletion and restoration (in the org's tenant transaction)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection

_COLUMNS = "id, name, deleted_at, deleted_by, version"


def current(conn: Connection, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {_COLUMNS} FROM orgs" + (" FOR NO KEY UPDATE" if lock else "")).fetchone()


def mark_deleted(conn: Connection, user_id: UUID) -> dict[str, Any]:
    row = conn.execute(
        f"UPDATE orgs SET deleted_at = now(), deleted_by = %s RETURNING {_COLUMNS}", (user_id,)
    ).fetchone()
    assert row is not None
    return row


def restore(conn: Connection) -> dict[str, Any]:
    row = conn.execute(
        f"UPDATE orgs SET deleted_at = NULL, deleted_by = NULL RETURNING {_COLUMNS}"
    ).fetchone()
    assert row is not None
    return row
