"""Domain events into the outbox, in the writer's transaction (handbook rule 6)::

    outbox.emit(conn, org_id=org, actor=("user", uid), type="company.created",
                resource_type="company", resource_id=company_id, data=company_json)

Routes call it through ``RequestContext.emit``; the route kit hands the ids of what a request
emitted to :func:`hearth.outbox.relay.after_commit` once the transaction has committed.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

from psycopg.types.json import Jsonb

from hearth.db import Connection
from hearth.problems import Unprocessable

MAX_PAYLOAD_BYTES = 65_536


def emit(
    conn: Connection,
    *,
    org_id: UUID | str,
    actor: tuple[str, str | None],
    type: str,
    resource_type: str,
    resource_id: object = None,
    data: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> UUID:
    """Write one event into the outbox (inside the caller's transaction); returns its id. The id
    is made here, so nothing waits for the insert: in a pipelined transaction it travels with the
    COMMIT."""
    payload = data or {}
    if len(json.dumps(payload, default=str).encode()) > MAX_PAYLOAD_BYTES:
        raise Unprocessable("event_too_large", "The change is too large to publish as one event.")
    event_id = uuid4()
    conn.execute(
        """
        INSERT INTO domain_events (org_id, id, type, actor_type, actor_id, resource_type, resource_id,
                                   payload, request_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            str(org_id),
            event_id,
            type,
            actor[0],
            actor[1],
            resource_type,
            None if resource_id is None else str(resource_id),
            Jsonb(payload),
            request_id,
        ),
    )
    return event_id
