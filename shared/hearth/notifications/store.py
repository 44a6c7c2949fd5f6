"""Data access for notifications and preferences, and what the fan-out and the reminders read to
find recipients. Every statement runs in the caller's tenant transaction; a notification's rows are
visible only to the user the transaction names (``app.user_id``, row-level security)::

    notification_id = store.key(org_id, user_id, f"event:{event_id}")  # the same source, the same id
    store.insert(conn, notification_id=..., user_id=..., type="mention", ...)  # False: there already
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.listing import Field, Listing

#: Notification ids are made from (org, user, source) under this namespace.
NAMESPACE = uuid.UUID("6d1f3b0e-8a7c-4f4e-9b2d-2f5c1a9e7d30")

COLUMNS = (
    "r.id, r.type, jsonb_build_object('type', r.resource_type, 'id', r.resource_id) AS resource, r.title,"
    " r.body, r.read_at IS NOT NULL AS read, r.created_at, r.read_at"
)

#: ``GET /v1/notifications``: the caller's, newest first.
LISTING = Listing(
    select=f"SELECT {COLUMNS} FROM notifications r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field(
            "type",
            "choice",
            nullable=False,
            choices=(
                "task_assigned",
                "task_due",
                "task_overdue",
                "deal_won",
                "deal_lost",
                "mention",
                "invitation",
                "export_ready",
            ),
        ),
        Field("read", "bool", column="(r.read_at IS NOT NULL)", nullable=False),
        Field("resource_type", "text", nullable=False),
        Field("resource_id", "uuid", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("read_at", "datetime", sortable=True),
    ),
    default_sort="-created_at",
    soft_delete=False,
)


def key(org_id: UUID | str, user_id: UUID | str, source: str) -> UUID:
    """The id of the notification ``source`` (``event:<id>``, ``task_due:<task>:<day>``) gives
    ``user_id`` in ``org_id``: writing it again finds it there."""
    return uuid.uuid5(NAMESPACE, f"{org_id}:{user_id}:{source}")


def insert(
    conn: Connection,
    *,
    notification_id: UUID,
    user_id: UUID,
    type: str,
    resource_type: str,
    resource_id: UUID,
    title: str,
    body: str | None,
    event_id: UUID | None,
) -> bool:
    """Write a notification (the transaction must name ``user_id``); ``False`` when it exists."""
    cur = conn.execute(
        """
        INSERT INTO notifications
          (org_id, id, user_id, type, resource_type, resource_id, title, body, event_id)
        VALUES
          ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (org_id, id) DO NOTHING
        """,
        (notification_id, user_id, type, resource_type, resource_id, title[:300], body, event_id),
    )
    return cur.rowcount == 1


def mark_read(conn: Connection, notification_id: UUID) -> dict[str, Any] | None:
    """Mark one of the caller's notifications read (a read one keeps its time); None when the
    caller has no such notification."""
    return conn.execute(
        f"""
        WITH r AS (UPDATE notifications SET read_at = now() WHERE id = %s RETURNING *)
        SELECT {COLUMNS} FROM r
        """,
        (notification_id,),
    ).fetchone()


def mark_all_read(conn: Connection, user_id: UUID) -> int:
    cur = conn.execute(
        "UPDATE notifications SET read_at = now() WHERE user_id = %s AND read_at IS NULL", (user_id,)
    )
    return cur.rowcount


def unread_count(conn: Connection, user_id: UUID) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM notifications WHERE user_id = %s AND read_at IS NULL", (user_id,)
    ).fetchone()
    assert row is not None
    return int(row["n"])


# -- preferences -----------------------------------------------------------------------------------


def preferences(conn: Connection, user_id: UUID) -> dict[str, tuple[bool, bool]]:
    """The user's chosen ``type -> (in_app, email)`` (the transaction must name them)."""
    rows = conn.execute(
        "SELECT type, in_app, email FROM notification_preferences WHERE user_id = %s", (user_id,)
    ).fetchall()
    return {r["type"]: (r["in_app"], r["email"]) for r in rows}


def save_preferences(conn: Connection, user_id: UUID, chosen: dict[str, tuple[bool, bool]]) -> None:
    """Keep exactly ``chosen`` as the user's preferences (other types go back to the defaults)."""
    conn.execute(
        "DELETE FROM notification_preferences WHERE user_id = %s AND NOT (type = ANY(%s))",
        (user_id, list(chosen)),
    )
    for type_, (in_app, email) in chosen.items():
        conn.execute(
            """
            INSERT INTO notification_preferences (org_id, user_id, type, in_app, email)
            VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s, %s)
            ON CONFLICT (org_id, user_id, type) DO UPDATE SET in_app = excluded.in_app, email = excluded.email
            WHERE (notification_preferences.in_app, notification_preferences.email)
                  IS DISTINCT FROM (excluded.in_app, excluded.email)
            """,
            (user_id, type_, in_app, email),
        )


# -- recipients ------------------------------------------------------------------------------------


def members_among(conn: Connection, user_ids: list[UUID]) -> set[UUID]:
    """The ones of ``user_ids`` who are members of the org."""
    rows = conn.execute("SELECT user_id FROM org_members WHERE user_id = ANY(%s)", (user_ids,)).fetchall()
    return {r["user_id"] for r in rows}


def api_key_creator(conn: Connection, api_key_id: str) -> UUID | None:
    """The user an API key of the org acts for."""
    try:
        key_id = UUID(api_key_id)
    except ValueError:
        return None
    row = conn.execute("SELECT created_by FROM api_keys WHERE id = %s", (key_id,)).fetchone()
    return None if row is None else row["created_by"]


def invitee(conn: Connection, invitation_id: UUID) -> UUID | None:
    """The account whose verified address a pending invitation of the org names, if any."""
    row = conn.execute("SELECT hearth_invitee_user(%s) AS user_id", (invitation_id,)).fetchone()
    return None if row is None else row["user_id"]


def org_timezone(conn: Connection) -> str:
    row = conn.execute("SELECT timezone FROM orgs").fetchone()
    return "UTC" if row is None else str(row["timezone"])


def due_tasks(conn: Connection, day: date) -> list[dict[str, Any]]:
    """The org's open, live tasks due on or before ``day``, with who to remind: the assignee, or
    the creator of an unassigned task, while a member."""
    return conn.execute(
        """
        SELECT id, title, due_date, COALESCE(assignee_id, created_by) AS user_id
        FROM tasks
        WHERE due_date <= %s AND status IN ('open', 'in_progress') AND deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM org_members m WHERE m.user_id = COALESCE(assignee_id, created_by))
        ORDER BY due_date, id
        """,
        (day,),
    ).fetchall()


def orgs_with_due_tasks(conn: Connection, day: date) -> list[UUID]:
    """(System role.) The orgs with open, live tasks due on or before ``day``."""
    rows = conn.execute(
        """
        SELECT DISTINCT org_id FROM tasks
        WHERE due_date <= %s AND status IN ('open', 'in_progress') AND deleted_at IS NULL
        """,
        (day,),
    ).fetchall()
    return [r["org_id"] for r in rows]


def user_names(conn: Connection, user_ids: list[UUID]) -> dict[UUID, str]:
    """The names (else addresses) of the given users the org can see (its members)."""
    rows = conn.execute(
        "SELECT id, COALESCE(name, email) AS name FROM users WHERE id = ANY(%s)", (user_ids,)
    ).fetchall()
    return {r["id"]: r["name"] for r in rows if r["name"]}


def org_name(conn: Connection) -> str:
    row = conn.execute("SELECT name FROM orgs").fetchone()
    return "an org" if row is None else str(row["name"])
