"""Data access for API keys (never reads or returns the hash to callers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.rbac import Role

_COLUMNS = "id, name, prefix, role, created_by, created_at, expires_at, revoked_at, last_used_at"

#: ``GET /v1/api-keys``: oldest first; revoked and expired keys too (filter them by their times).
LISTING = Listing(
    select=f"SELECT {_COLUMNS} FROM api_keys r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("name", "text", sortable=True, nullable=False),
        Field("prefix", "text", nullable=False),
        Field("role", "choice", choices=tuple(r.value for r in Role), nullable=False),
        Field("created_by", "uuid", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("expires_at", "datetime", sortable=True),
        Field("revoked_at", "datetime", sortable=True),
        Field("last_used_at", "datetime", sortable=True),
    ),
    search=("r.name",),
    default_sort="created_at",
    soft_delete=False,
    search_label="key names",
)


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


def revoke(conn: Connection, key_id: UUID) -> None:
    conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (key_id,))
