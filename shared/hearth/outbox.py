"""Domain events into the outbox, in the writer's transaction (handbook rule 6)::

    outbox.emit(conn, org_id=org, actor=("user", uid), type="company.created",
                resource_type="company", resource_id=company_id, data=company_json)

Routes call it through ``RequestContext.emit``; the route kit hands the ids of what a request
emitted to :func:`after_commit` once the transaction has committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.db import Connection
from hearth.problems import Unprocessable

MAX_PAYLOAD_BYTES = 65_536

#: Called with ``(org_id, event_ids)`` after a transaction that emitted events has committed,
#: in addition to the relay to the dispatch queue. Failures are logged and left to the sweep.
publishers: list[Callable[[UUID, list[UUID]], None]] = []


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
    """Write one event into the outbox (inside the caller's transaction); returns its id."""
    payload = data or {}
    if len(json.dumps(payload, default=str).encode()) > MAX_PAYLOAD_BYTES:
        raise Unprocessable("event_too_large", "The change is too large to publish as one event.")
    row = conn.execute(
        """
        INSERT INTO domain_events (org_id, type, actor_type, actor_id, resource_type, resource_id,
                                   payload, request_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING id
        """,
        (
            str(org_id),
            type,
            actor[0],
            actor[1],
            resource_type,
            None if resource_id is None else str(resource_id),
            Jsonb(payload),
            request_id,
        ),
    ).fetchone()
    assert row is not None
    event_id: UUID = row["id"]
    return event_id


def after_commit(org_id: UUID, event_ids: list[UUID]) -> None:
    """Relay committed events to the dispatch queue, then any registered publishers (best
    effort: a failure is logged and the outbox sweep publishes the events within a minute).

    The relay (and boto3) is imported here, only when a request emitted something, so routes
    that emit nothing never load it."""
    if not event_ids:
        return
    from hearth.observability import logger

    def relay(org: UUID, ids: list[UUID]) -> None:
        from hearth.events import relay as events_relay

        events_relay.publish(org, ids)

    for publish in [relay, *publishers]:
        try:
            publish(org_id, event_ids)
        except Exception:
            logger.exception("publishing events after commit failed; the outbox sweep will publish them")
