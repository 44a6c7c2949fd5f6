"""Data access for domain events: the org's event log (app role, RLS) and the outbox backlog
(system role, the sweep)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection

_COLUMNS = (
    "id, type, occurred_at, actor_type, actor_id, resource_type, resource_id, payload AS data, request_id"
)
#: The rows of the event list (``hearth.events.logic.LISTING``).
LIST_SELECT = f"SELECT {_COLUMNS} FROM domain_events r"


def get(conn: Connection, event_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {_COLUMNS} FROM domain_events WHERE id = %s", (event_id,)).fetchone()
