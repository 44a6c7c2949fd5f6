"""Data access for the outbox: marking events published (app role, RLS keeps it to the org),
and the backlog nobody has published yet (system role, the sweep)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from hearth.db import Connection


def mark_published(conn: Connection, event_ids: Sequence[UUID], at: datetime) -> int:
    """Record that events were handed to the dispatch queue (app role: RLS keeps it to the org;
    system role: any org)."""
    if not event_ids:
        return 0
    return conn.execute(
        "UPDATE domain_events SET published_at = %s WHERE id = ANY(%s) AND published_at IS NULL",
        (at, list(event_ids)),
    ).rowcount


def unpublished(conn: Connection, older_than: datetime, limit: int) -> list[dict[str, Any]]:
    """The outbox backlog across orgs (system role): events nobody has published yet."""
    return conn.execute(
        "SELECT org_id, id FROM domain_events WHERE published_at IS NULL AND occurred_at < %s"
        " ORDER BY occurred_at LIMIT %s FOR UPDATE SKIP LOCKED",
        (older_than, limit),
    ).fetchall()
