"""Data access for webhook endpoints (never returns secret ciphertexts to routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hearth.db import Connection

COLUMNS = (
    "id, url, description, event_types, enabled, disabled_reason, disabled_at, secret_rotated_at,"
    " previous_secret_expires_at, created_at, updated_at, version"
)
#: The rows of the endpoint list (``hearth.webhooks.endpoints.logic.LISTING``).
LIST_SELECT = f"SELECT {COLUMNS} FROM webhook_endpoints r"
_ORG = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"
MAX_PER_ORG = 50


def insert(
    conn: Connection,
    *,
    endpoint_id: UUID,
    url: str,
    description: str | None,
    event_types: list[str],
    enabled: bool,
    secret_ciphertext: bytes,
    created_by: str,
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        INSERT INTO webhook_endpoints (org_id, id, url, description, event_types, enabled, disabled_reason,
                                       disabled_at, secret_ciphertext, created_by)
        VALUES ({_ORG}, %s, %s, %s, %s, %s, CASE WHEN %s THEN NULL ELSE 'manual' END,
                CASE WHEN %s THEN NULL ELSE now() END, %s, %s)
        RETURNING {COLUMNS}
        """,
        (
            endpoint_id,
            url,
            description,
            event_types,
            enabled,
            enabled,
            enabled,
            secret_ciphertext,
            created_by,
        ),
    ).fetchone()
    assert row is not None
    return row


def count_live(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM webhook_endpoints WHERE deleted_at IS NULL").fetchone()
    return int(row["n"]) if row else 0


def get(conn: Connection, endpoint_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM webhook_endpoints WHERE id = %s AND deleted_at IS NULL"
        + (" FOR UPDATE" if lock else ""),
        (endpoint_id,),
    ).fetchone()


def exists(conn: Connection, endpoint_id: UUID) -> bool:
    """Live or deleted: a deleted endpoint's delivery log stays readable."""
    return (
        conn.execute("SELECT 1 FROM webhook_endpoints WHERE id = %s", (endpoint_id,)).fetchone() is not None
    )


def update(
    conn: Connection, endpoint_id: UUID, version: int, changes: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply ``changes`` (column -> value, columns named in code) if the version still matches."""
    assignments = ", ".join(f"{column} = %({column})s" for column in changes)
    return conn.execute(
        f"UPDATE webhook_endpoints SET {assignments} WHERE id = %(id)s AND version = %(version)s"
        f" AND deleted_at IS NULL RETURNING {COLUMNS}",
        {**changes, "id": endpoint_id, "version": version},
    ).fetchone()


def soft_delete(conn: Connection, endpoint_id: UUID) -> None:
    conn.execute(
        "UPDATE webhook_endpoints SET deleted_at = now(), enabled = false, disabled_reason = 'manual',"
        " disabled_at = coalesce(disabled_at, now()), secret_ciphertext = NULL,"
        " previous_secret_ciphertext = NULL, previous_secret_expires_at = NULL"
        " WHERE id = %s AND deleted_at IS NULL",
        (endpoint_id,),
    )


def rotate_secret(
    conn: Connection, endpoint_id: UUID, new_ciphertext: bytes, now: datetime, previous_until: datetime
) -> dict[str, Any] | None:
    """The current secret becomes the previous one (valid until ``previous_until``)."""
    return conn.execute(
        f"""
        UPDATE webhook_endpoints
        SET previous_secret_ciphertext = secret_ciphertext, previous_secret_expires_at = %s,
            secret_ciphertext = %s, secret_rotated_at = %s
        WHERE id = %s AND deleted_at IS NULL
        RETURNING {COLUMNS}
        """,
        (previous_until, new_ciphertext, now, endpoint_id),
    ).fetchone()


# -- the delivery engine -----------------------------------------------------------------------


def matching(conn: Connection, patterns: list[str]) -> list[dict[str, Any]]:
    """Live, enabled endpoints whose filter selects an event type (given as its patterns), with
    their health."""
    return conn.execute(
        "SELECT id, degraded_at FROM webhook_endpoints"
        " WHERE deleted_at IS NULL AND enabled AND event_types && %s::text[]",
        (patterns,),
    ).fetchall()


def record_health(
    conn: Connection, endpoint_id: UUID, *, ok: bool, slow: bool, now: datetime
) -> dict[str, Any] | None:
    """After an attempt: a success clears the failure streak (and the degraded mark unless it was
    slow); a failure starts the streak and marks the endpoint degraded. Returns failing_since."""
    if ok:
        return conn.execute(
            "UPDATE webhook_endpoints SET failing_since = NULL,"
            " degraded_at = CASE WHEN %s THEN coalesce(degraded_at, %s) ELSE NULL END"
            " WHERE id = %s AND (failing_since IS NOT NULL OR (degraded_at IS NULL) = %s)"
            " RETURNING failing_since, enabled",
            (slow, now, endpoint_id, slow),
        ).fetchone()
    return conn.execute(
        "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, %s),"
        " degraded_at = coalesce(degraded_at, %s)"
        " WHERE id = %s RETURNING failing_since, enabled",
        (now, now, endpoint_id),
    ).fetchone()


def disable(conn: Connection, endpoint_id: UUID, reason: str, now: datetime) -> bool:
    """Disable an enabled endpoint; True when this call did it."""
    return (
        conn.execute(
            "UPDATE webhook_endpoints SET enabled = false, disabled_reason = %s, disabled_at = %s"
            " WHERE id = %s AND enabled AND deleted_at IS NULL",
            (reason, now, endpoint_id),
        ).rowcount
        == 1
    )
