"""Data access for domain events: the org's event log (app role, RLS) and the outbox backlog
(system role, the sweep)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.events.models import EventFilter
from hearth.events.types import like_pattern

_COLUMNS = (
    "id, type, occurred_at, actor_type, actor_id, resource_type, resource_id, payload AS data, request_id"
)


def get(conn: Connection, event_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {_COLUMNS} FROM domain_events WHERE id = %s", (event_id,)).fetchone()


def page(
    conn: Connection, filters: EventFilter, limit: int, before: list[Any] | None
) -> list[dict[str, Any]]:
    """Newest first, over (occurred_at, id)."""
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    if filters.type is not None:
        value, prefix = like_pattern(filters.type)
        if prefix:
            if value:
                clauses.append("starts_with(type, %(type)s)")
                params["type"] = value
        else:
            clauses.append("type = %(type)s")
            params["type"] = value
    for column in ("resource_type", "resource_id"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"{column} = %({column})s")
            params[column] = value
    if filters.since is not None:
        clauses.append("occurred_at >= %(since)s")
        params["since"] = filters.since
    if filters.until is not None:
        clauses.append("occurred_at < %(until)s")
        params["until"] = filters.until
    if before:
        clauses.append("(occurred_at, id) < (%(at)s, %(id)s)")
        params.update(at=before[0], id=before[1])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM domain_events{where} ORDER BY occurred_at DESC, id DESC LIMIT %(limit)s",
        params,
    ).fetchall()
