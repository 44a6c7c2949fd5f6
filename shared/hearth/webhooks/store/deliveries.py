"""Data access for webhook deliveries and their attempt log: the org's view (app role), the
delivery engine's claims and results (app role, one org per message) and the dispatcher's
cross-tenant release (system role). See migrations/0011 for what each column means."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth import db
from hearth.db import Connection

COLUMNS = (
    "id, endpoint_id, event_id, event_type, status, attempts AS attempt_count, next_attempt_at,"
    " last_attempt_at, last_status_code, last_error, created_at, updated_at"
)
ATTEMPT_COLUMNS = (
    "attempt, trigger, url, status_code, response_body, duration_ms, error, next_attempt_at, attempted_at"
)
_ORG = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"


# -- the org's view ------------------------------------------------------------------------------


def get(conn: Connection, delivery_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM webhook_deliveries WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (delivery_id,),
    ).fetchone()


def attempts_of(conn: Connection, delivery_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        f"SELECT {ATTEMPT_COLUMNS} FROM webhook_delivery_attempts WHERE delivery_id = %s ORDER BY attempt",
        (delivery_id,),
    ).fetchall()


def page_for_endpoint(
    conn: Connection,
    endpoint_id: UUID,
    limit: int,
    before: list[Any] | None,
    *,
    status: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Newest first, with each delivery's last attempt."""
    clauses = ["d.endpoint_id = %(endpoint)s"]
    params: dict[str, Any] = {"endpoint": endpoint_id, "limit": limit + 1}
    if status is not None:
        clauses.append("d.status = %(status)s")
        params["status"] = status
    if event_type is not None:
        clauses.append("d.event_type = %(type)s")
        params["type"] = event_type
    if since is not None:
        clauses.append("d.created_at >= %(since)s")
        params["since"] = since
    if before:
        clauses.append("(d.created_at, d.id) < (%(at)s, %(id)s)")
        params.update(at=before[0], id=before[1])
    columns = ", ".join(f"d.{c.strip()}" for c in COLUMNS.split(","))
    return conn.execute(
        f"""
        SELECT {columns}, to_jsonb(a) AS last_attempt
        FROM webhook_deliveries d
        LEFT JOIN LATERAL (
          SELECT {ATTEMPT_COLUMNS} FROM webhook_delivery_attempts x
          WHERE x.org_id = d.org_id AND x.delivery_id = d.id ORDER BY x.attempt DESC LIMIT 1
        ) a ON true
        WHERE {" AND ".join(clauses)}
        ORDER BY d.created_at DESC, d.id DESC LIMIT %(limit)s
        """,
        params,
    ).fetchall()


def reschedule(conn: Connection, delivery_id: UUID, now: datetime) -> dict[str, Any] | None:
    """A manual attempt of a finished delivery, due now (the dispatcher releases it)."""
    return conn.execute(
        f"""
        UPDATE webhook_deliveries
        SET status = 'pending', pending_trigger = 'manual', lane = 'retry', next_attempt_at = %s,
            enqueued_at = NULL, lease_until = NULL, updated_at = now()
        WHERE id = %s AND status <> 'pending'
        RETURNING {COLUMNS}
        """,
        (now, delivery_id),
    ).fetchone()


def reschedule_failed(
    conn: Connection, endpoint_id: UUID, since: datetime, until: datetime | None, now: datetime
) -> int:
    """A manual attempt for every failed delivery of an endpoint created in [since, until)."""
    return conn.execute(
        """
        UPDATE webhook_deliveries
        SET status = 'pending', pending_trigger = 'manual', lane = 'retry', next_attempt_at = %(now)s,
            enqueued_at = NULL, lease_until = NULL, updated_at = now()
        WHERE endpoint_id = %(endpoint)s AND status = 'failed' AND created_at >= %(since)s
          AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s::timestamptz)
        """,
        {"now": now, "endpoint": endpoint_id, "since": since, "until": until},
    ).rowcount


# -- fan-out (app role, the event's org) ------------------------------------------------------------


def fan_out(
    conn: Connection,
    *,
    event_id: UUID,
    event_type: str,
    endpoints: Sequence[dict[str, Any]],
    now: datetime,
) -> None:
    """One delivery per endpoint; an (endpoint, event) pair that has one already keeps it. Endpoints
    that are failing or slow get theirs in the retry lane, held for the dispatcher."""
    if not endpoints:
        return
    conn.execute(
        f"""
        INSERT INTO webhook_deliveries (org_id, endpoint_id, event_id, event_type, lane, next_attempt_at)
        SELECT {_ORG}, e.id, %(event)s, %(type)s, CASE WHEN e.degraded THEN 'retry' ELSE 'main' END, %(now)s
        FROM unnest(%(ids)s::uuid[], %(degraded)s::bool[]) AS e(id, degraded)
        ON CONFLICT (org_id, endpoint_id, event_id) DO NOTHING
        """,
        {
            "event": event_id,
            "type": event_type,
            "now": now,
            "ids": [e["id"] for e in endpoints],
            "degraded": [e["degraded_at"] is not None for e in endpoints],
        },
    )


def unsent_of_event(conn: Connection, event_id: UUID) -> list[dict[str, Any]]:
    """Deliveries of an event in the main lane that no message has been sent for yet."""
    return conn.execute(
        "SELECT id, attempts FROM webhook_deliveries WHERE event_id = %s AND status = 'pending'"
        " AND lane = 'main' AND enqueued_at IS NULL AND lease_until IS NULL",
        (event_id,),
    ).fetchall()


def mark_enqueued(conn: Connection, delivery_ids: Sequence[UUID], now: datetime, lane: str) -> None:
    if delivery_ids:
        conn.execute(
            "UPDATE webhook_deliveries SET enqueued_at = %s, lane = %s"
            " WHERE id = ANY(%s) AND status = 'pending' AND enqueued_at IS NULL",
            (now, lane, list(delivery_ids)),
        )


# -- the sender (app role, the message's org) --------------------------------------------------------

# The claim and the record are functions (migrations/0147): their plans are kept by the server
# for the session, where statements sent by the driver would be planned on every batch.
_CLAIM = (
    "SELECT hearth_webhook_claim(%(ids)s::uuid[], %(priors)s::int[], %(lanes)s::text[], %(now)s,"
    " %(due_by)s, %(lease)s) AS rows"
)
_RECORD = "SELECT hearth_webhook_record(%(rows)s) AS statuses"
_UUIDS = ("id", "org_id", "endpoint_id", "event_id")
_TIMES = ("lease_until", "previous_secret_expires_at", "degraded_at", "failing_since", "occurred_at")
_BYTES = ("secret_ciphertext", "previous_secret_ciphertext")


def _claimed(obj: dict[str, Any]) -> dict[str, Any]:
    """A claimed row from its JSON form, with the types a row from the driver has."""
    row = dict(obj)
    for key in _UUIDS:
        row[key] = UUID(row[key])
    for key in _TIMES:
        row[key] = None if row[key] is None else datetime.fromisoformat(row[key])
    for key in _BYTES:
        row[key] = None if row[key] is None else base64.b64decode(row[key])
    return row


def claim(
    org_id: UUID,
    wanted: Sequence[tuple[UUID, int, str]],
    *,
    now: datetime,
    due_by: datetime,
    lease_until: datetime,
) -> dict[UUID, dict[str, Any]]:
    """Lease the pending attempts that are these messages' to make — ``(delivery_id,
    prior_attempts, lane)`` each — in a transaction of its own sent in one round trip (the claim
    is the start of every batch); returns the claimed rows by delivery id.

    The lease is committed without waiting for the WAL flush: it only keeps a second sender away
    while this one sends, and losing it in a database crash costs at most a second send of the
    same delivery (``webhook-id`` lets receivers drop it), never a lost one."""
    found = db.database("app").run_once(
        _CLAIM,
        {
            "ids": [w[0] for w in wanted],
            "priors": [w[1] for w in wanted],
            "lanes": [w[2] for w in wanted],
            "now": now,
            "due_by": due_by,
            "lease": lease_until,
        },
        org_id=str(org_id),
        durable=False,
    )
    rows = [_claimed(obj) for obj in (found["rows"] if found else [])]
    return {row["id"]: row for row in rows}


def state(conn: Connection, delivery_id: UUID) -> dict[str, Any] | None:
    """Why a claim did not succeed: the delivery's and its endpoint's state."""
    return conn.execute(
        """
        SELECT d.status, d.attempts, d.lease_until, d.next_attempt_at, d.pending_trigger, d.endpoint_id,
               e.enabled, e.deleted_at, e.degraded_at
        FROM webhook_deliveries d JOIN webhook_endpoints e ON e.org_id = d.org_id AND e.id = d.endpoint_id
        WHERE d.id = %s FOR UPDATE OF d
        """,
        (delivery_id,),
    ).fetchone()


def hold(conn: Connection, delivery_id: UUID, lane: str) -> None:
    """Keep the pending attempt in the database until the dispatcher releases it."""
    conn.execute(
        "UPDATE webhook_deliveries SET enqueued_at = NULL, lane = %s WHERE id = %s AND status = 'pending'",
        (lane, delivery_id),
    )


def cancel(conn: Connection, delivery_id: UUID, error: str) -> None:
    """End a pending delivery without an attempt (its endpoint was disabled or deleted)."""
    conn.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, enqueued_at = NULL,"
        " lease_until = NULL, last_error = %s, updated_at = now() WHERE id = %s AND status = 'pending'",
        (error, delivery_id),
    )


def cancel_pending_of_endpoint(conn: Connection, endpoint_id: UUID, error: str) -> int:
    """End every pending delivery of a disabled endpoint. An attempt under way keeps its lease: its
    sender still logs it (see :func:`record`), but the delivery stays ended."""
    return conn.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, enqueued_at = NULL,"
        " last_error = %s, updated_at = now()"
        " WHERE endpoint_id = %s AND status = 'pending'",
        (error, endpoint_id),
    ).rowcount


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """An attempt's outcome and the delivery's next step, as :func:`record` writes them."""

    delivery_id: UUID
    prior_attempts: int
    lease_until: datetime
    status: str
    next_attempt_at: datetime | None
    enqueued_at: datetime | None
    lane: str
    attempted_at: datetime
    trigger: str
    url: str
    status_code: int | None
    response_body: str | None
    duration_ms: int
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.delivery_id),
            "prior": self.prior_attempts,
            "lease": _iso(self.lease_until),
            "status": self.status,
            "next": _iso(self.next_attempt_at),
            "enqueued": _iso(self.enqueued_at),
            "lane": self.lane,
            "at": _iso(self.attempted_at),
            "trigger": self.trigger,
            "url": self.url,
            "code": self.status_code,
            "body": self.response_body,
            "ms": self.duration_ms,
            "error": self.error,
        }


def _statuses(found: dict[str, Any] | None) -> dict[UUID, str]:
    """The record function's answer: each recorded delivery's status after it."""
    return {UUID(k): v for k, v in (found["statuses"] if found else {}).items()}


def record_alone(org_id: UUID, attempts: Sequence[AttemptRecord]) -> dict[UUID, str]:
    """:func:`record` as a transaction of its own, sent in one round trip (the common case:
    successful attempts that change nothing else).

    Committed without waiting for the WAL flush, which the next batch's sends overlap: a success
    lost in a database crash leaves its delivery pending under an expiring lease, so the
    dispatcher sends it again (at least once, as every delivery; receivers drop the repeat by its
    ``webhook-id``). Failures, which change the endpoint's health or disable it, are recorded
    durably (:func:`record` in the sender's transaction)."""
    if not attempts:
        return {}
    found = db.database("app").run_once(
        _RECORD, {"rows": Jsonb([a.as_json() for a in attempts])}, org_id=str(org_id), durable=False
    )
    return _statuses(found)


def record(conn: Connection, attempts: Sequence[AttemptRecord]) -> dict[UUID, str]:
    """Log attempts and move their deliveries on, in one statement; returns each delivery's status
    after it. A delivery missing from the answer lost its lease meanwhile (another sender took
    over) and nothing was written for it. A delivery ended while its attempt was under way (its
    endpoint disabled) stays ended."""
    if not attempts:
        return {}
    found = conn.execute(_RECORD, {"rows": Jsonb([a.as_json() for a in attempts])}).fetchone()
    return _statuses(found)


def clear_enqueued(conn: Connection, delivery_id: UUID) -> None:
    conn.execute(
        "UPDATE webhook_deliveries SET enqueued_at = NULL WHERE id = %s AND status = 'pending'",
        (delivery_id,),
    )


# -- the dispatcher (system role, every org) ---------------------------------------------------------

_DUE = """
WITH due AS (
  SELECT org_id, id, endpoint_id, attempts, next_attempt_at
  FROM webhook_deliveries
  WHERE status = 'pending' AND next_attempt_at <= %(now)s
    AND (lease_until IS NULL OR lease_until < %(now)s)
    AND (enqueued_at IS NULL OR enqueued_at < %(lost_before)s)
), busy AS (
  SELECT org_id, endpoint_id, count(*) AS n
  FROM webhook_deliveries
  WHERE status = 'pending'
    AND ((enqueued_at IS NOT NULL AND enqueued_at >= %(lost_before)s) OR lease_until >= %(now)s)
  GROUP BY org_id, endpoint_id
), per_endpoint AS (
  SELECT due.*, coalesce(busy.n, 0) AS in_flight,
         row_number() OVER (PARTITION BY due.org_id, due.endpoint_id ORDER BY due.next_attempt_at, due.id)
           AS endpoint_rank
  FROM due LEFT JOIN busy USING (org_id, endpoint_id)
), per_org AS (
  SELECT *, row_number() OVER (PARTITION BY org_id ORDER BY endpoint_rank, next_attempt_at, id) AS org_rank
  FROM per_endpoint
  WHERE endpoint_rank + in_flight <= %(per_endpoint)s
)
SELECT org_id, id, attempts FROM per_org
WHERE org_rank <= %(per_org)s
ORDER BY org_rank, next_attempt_at, id
LIMIT %(total)s
"""


def due_for_release(
    conn: Connection,
    *,
    now: datetime,
    lost_before: datetime,
    per_endpoint: int,
    per_org: int,
    total: int,
) -> list[dict[str, Any]]:
    """Due deliveries to hand to the retry lane, fairly: at most ``per_endpoint`` in flight per
    endpoint (counting what is queued or being attempted), at most ``per_org`` per org per run,
    orgs taken in turns (every org's first before any org's second)."""
    return conn.execute(
        _DUE,
        {
            "now": now,
            "lost_before": lost_before,
            "per_endpoint": per_endpoint,
            "per_org": per_org,
            "total": total,
        },
    ).fetchall()


def mark_released(conn: Connection, rows: Sequence[tuple[UUID, UUID]], now: datetime) -> int:
    if not rows:
        return 0
    return conn.execute(
        """
        UPDATE webhook_deliveries d SET enqueued_at = %s, lane = 'retry'
        FROM unnest(%s::uuid[], %s::uuid[]) AS r(org_id, id)
        WHERE d.org_id = r.org_id AND d.id = r.id AND d.status = 'pending'
        """,
        (now, [r[0] for r in rows], [r[1] for r in rows]),
    ).rowcount
