"""Data access for exports: the API inserts and reads them, the export worker claims and finishes
them. Every statement runs in the caller's tenant transaction (row-level security keeps it to the
org)::

    row = store.claim(conn, export_id)     # queued (or stalled running) -> running; None: nothing to do
    store.finish(conn, export_id, status="completed", object_key=..., size_bytes=..., counts=...)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.db import Connection
from hearth.listing import Field, Listing

COLUMNS = (
    "r.id, r.scope, r.project_id, r.requested_by, r.status, r.object_key, r.size_bytes, r.counts,"
    " r.schema_version, r.error, r.created_at, r.started_at, r.finished_at, r.expires_at, r.version"
)

#: ``GET /v1/exports``: newest first.
LISTING = Listing(
    select=f"SELECT {COLUMNS} FROM exports r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("requested_by", "uuid", nullable=False),
        Field("scope", "choice", choices=("org", "user", "project"), nullable=False),
        Field("status", "choice", choices=("queued", "running", "completed", "failed"), nullable=False),
        Field("project_id", "uuid"),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("finished_at", "datetime", sortable=True),
    ),
    default_sort="-created_at",
    soft_delete=False,
)


def insert(conn: Connection, *, requested_by: UUID, scope: str, project_id: UUID | None) -> dict[str, Any]:
    row = conn.execute(
        f"""
        WITH r AS (
          INSERT INTO exports (org_id, requested_by, scope, project_id)
          VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s)
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (requested_by, scope, project_id),
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, export_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM exports r WHERE r.id = %s", (export_id,)).fetchone()


def claim(conn: Connection, export_id: UUID, *, stalled_after: timedelta) -> dict[str, Any] | None:
    """Move a queued export to ``running`` and return it. An export ``running`` for longer than
    ``stalled_after`` (its worker was stopped: out of memory, the environment recycled) is taken
    over and started again. None when there is nothing to do (done, or running elsewhere)."""
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE exports SET status = 'running', started_at = now()
          WHERE id = %s
            AND (status = 'queued' OR (status = 'running' AND started_at < now() - %s))
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (export_id, stalled_after),
    ).fetchone()


def finish(
    conn: Connection,
    export_id: UUID,
    *,
    status: str,
    object_key: str | None = None,
    size_bytes: int | None = None,
    counts: dict[str, int] | None = None,
    schema_version: str | None = None,
    error: str | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any] | None:
    """End a running export ``completed`` or ``failed``; None when it was not running."""
    if status not in ("completed", "failed"):
        raise ValueError(f"an export finishes completed or failed, not {status}")
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE exports
          SET status = %s, object_key = %s, size_bytes = %s, counts = %s, schema_version = %s,
              error = %s, expires_at = %s, finished_at = now()
          WHERE id = %s AND status = 'running'
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (
            status,
            object_key,
            size_bytes,
            Jsonb(counts) if counts is not None else None,
            schema_version,
            error,
            expires_at,
            export_id,
        ),
    ).fetchone()


def schema_version(conn: Connection) -> str:
    """The newest migration applied (``0135_exports``)."""
    row = conn.execute("SELECT hearth_schema_version() AS v").fetchone()
    return str(row["v"]) if row and row["v"] else "unknown"


def project_exists(conn: Connection, project_id: UUID) -> bool:
    """Whether the org has this project (live or soft-deleted)."""
    return conn.execute("SELECT 1 FROM projects WHERE id = %s", (project_id,)).fetchone() is not None
