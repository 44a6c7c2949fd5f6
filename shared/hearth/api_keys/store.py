"""Data access for API keys (never reads or returns the hash to callers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.rbac import Role

_COLUMNS = "id, name, prefix, role, created_by, created_at, expires_at, revoked_at, last_used_at"


def insert(
    conn: Connection,
    *,
    name: str,
    prefix: str,
    key_hash: bytes,
    role: Role,
    created_by: UUID,
    expires_at: datetime | None,
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        INSERT INTO api_keys (org_id, name, prefix, key_hash, role, created_by, expires_at)
        VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s, %s, %s, %s)
        RETURNING {_COLUMNS}
        """,
        (name, prefix, key_hash, role.value, created_by, expires_at),
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, key_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE id = %s", (key_id,)).fetchone()


def page(
    conn: Connection, limit: int, after: list[Any] | None, created_by: UUID | None
) -> list[dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    if created_by is not None:
        clauses.append("created_by = %(created_by)s")
        params["created_by"] = created_by
    if after:
        clauses.append("(created_at, id) > (%(at)s, %(id)s)")
        params.update(at=after[0], id=after[1])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys{where} ORDER BY created_at, id LIMIT %(limit)s", params
    ).fetchall()


def revoke(conn: Connection, key_id: UUID) -> None:
    conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (key_id,))
