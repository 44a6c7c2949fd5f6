"""Data access for calls (``migrations/0072_telephony_calls.sql``), in the caller's tenant
transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.listing import Field, Listing

_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"

COLUMNS = (
    'r.id, r.direction, r.status, r.from_number AS "from", r.to_number AS "to", r.phone_number_id,'
    " r.person_id, r.member_user_id, r.provider_sid, r.duration_seconds, r.voicemail, r.recording_status,"
    " r.recording_seconds, r.created_by, r.created_at, r.ended_at, r.updated_at, r.version"
)

#: ``GET /v1/calls``: newest first.
LISTING = Listing(
    select=f"SELECT {COLUMNS} FROM calls r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("direction", "choice", choices=("outbound", "inbound"), nullable=False),
        Field(
            "status",
            "choice",
            choices=(
                "queued",
                "ringing",
                "in-progress",
                "completed",
                "busy",
                "no-answer",
                "failed",
                "canceled",
            ),
            nullable=False,
        ),
        Field("person_id", "uuid"),
        Field("member_user_id", "uuid"),
        Field("voicemail", "bool", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
    ),
    default_sort="-created_at",
    soft_delete=False,
)


def get(conn: Connection, call_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS}, r.recording_sid, r.recording_key FROM calls r WHERE r.id = %s", (call_id,)
    ).fetchone()


def by_sid(conn: Connection, provider_sid: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS}, r.recording_sid, r.recording_key FROM calls r WHERE r.provider_sid = %s",
        (provider_sid,),
    ).fetchone()


def insert(
    conn: Connection,
    *,
    direction: str,
    status: str,
    from_number: str,
    to_number: str,
    phone_number_id: UUID | None,
    person_id: UUID | None,
    member_user_id: UUID | None,
    provider_sid: str | None,
    created_by: str | None,
) -> dict[str, Any] | None:
    """The new call, or None when its sid is stored already."""
    return conn.execute(
        f"""
        WITH r AS (
          INSERT INTO calls (org_id, direction, status, from_number, to_number, phone_number_id, person_id,
                             member_user_id, provider_sid, created_by)
          VALUES ({_TENANT}, %s, %s, %s, %s, %s, %s, %s, %s, %s)
          ON CONFLICT (org_id, provider_sid) WHERE provider_sid IS NOT NULL DO NOTHING
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (
            direction,
            status,
            from_number,
            to_number,
            phone_number_id,
            person_id,
            member_user_id,
            provider_sid,
            created_by,
        ),
    ).fetchone()


def set_sid(conn: Connection, call_id: UUID, provider_sid: str) -> None:
    conn.execute(
        "UPDATE calls SET provider_sid = %s WHERE id = %s AND provider_sid IS NULL", (provider_sid, call_id)
    )


def advance(conn: Connection, call_id: UUID, status: str, duration: int | None) -> dict[str, Any] | None:
    """Move the call forward to ``status`` (a final one sets the duration and end); None when it is
    there or past it already."""
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE calls SET status = %(status)s,
            duration_seconds = COALESCE(%(duration)s, duration_seconds),
            ended_at = CASE WHEN hearth_call_status_rank(%(status)s) = 3 THEN now() ELSE ended_at END
          WHERE id = %(id)s AND hearth_call_status_rank(status) < hearth_call_status_rank(%(status)s)
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        {"id": call_id, "status": status, "duration": duration},
    ).fetchone()


def mark_voicemail(conn: Connection, call_id: UUID) -> None:
    conn.execute("UPDATE calls SET voicemail = true WHERE id = %s", (call_id,))


def recording_available(conn: Connection, call_id: UUID, recording_sid: str, seconds: int | None) -> bool:
    """Twilio holds a recording of the call (``pending``); False when one was recorded already."""
    row = conn.execute(
        """
        UPDATE calls SET recording_sid = %s, recording_seconds = %s, recording_status = 'pending'
        WHERE id = %s AND recording_sid IS NULL
        RETURNING id
        """,
        (recording_sid, seconds, call_id),
    ).fetchone()
    return row is not None


def recording_stored(conn: Connection, call_id: UUID, key: str) -> bool:
    row = conn.execute(
        """
        UPDATE calls SET recording_status = 'stored', recording_key = %s
        WHERE id = %s AND recording_status = 'pending' RETURNING id
        """,
        (key, call_id),
    ).fetchone()
    return row is not None


def recording_failed(conn: Connection, call_id: UUID) -> None:
    conn.execute(
        "UPDATE calls SET recording_status = 'failed' WHERE id = %s AND recording_status = 'pending'",
        (call_id,),
    )
