"""The dispatcher (every minute): releases deliveries held in the database to the retry lane.

Held are: waits longer than SQS's 15-minute delay, fresh deliveries to endpoints that are
failing or slow, manual retries and recoveries, and messages that went missing (queued more than
20 minutes ago and still not attempted). Release is fair: at most ``per_endpoint`` deliveries of
one endpoint in flight, at most ``per_org`` per org per round, orgs taken in turns::

    dispatcher.release_once()        # one round (tests)
    dispatcher.run(seconds=50)       # the schedule: rounds until nothing is due or time is up
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from hearth import clock, db, queues
from hearth.observability import logger
from hearth.settings import settings
from hearth.webhooks.engine.messages import DeliveryMessage
from hearth.webhooks.store import deliveries as store

PER_ENDPOINT_IN_FLIGHT = 10
PER_ORG_PER_ROUND = 100
PER_ROUND = 1000
#: A message queued this long ago whose attempt has not started is taken as lost.
LOST_AFTER = timedelta(minutes=20)
_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('hearth.webhook_dispatcher')) AS ok"


@dataclass(frozen=True, slots=True)
class Round:
    due: int
    released: int
    locked_out: bool = False


def release_once(
    *,
    per_endpoint: int = PER_ENDPOINT_IN_FLIGHT,
    per_org: int = PER_ORG_PER_ROUND,
    total: int = PER_ROUND,
) -> Round:
    queue_url = settings().webhook_retry_queue_url
    if not queue_url:
        raise RuntimeError("HEARTH_WEBHOOK_RETRY_QUEUE_URL is not set")
    now = clock.now()
    with db.system_transaction() as conn:
        locked = conn.execute(_LOCK).fetchone()
        if not locked or not locked["ok"]:
            return Round(0, 0, locked_out=True)  # another run is releasing right now
        rows = store.due_for_release(
            conn,
            now=now,
            lost_before=now - LOST_AFTER,
            per_endpoint=per_endpoint,
            per_org=per_org,
            total=total,
        )
        if not rows:
            return Round(0, 0)
        accepted = queues.send(
            queue_url,
            [DeliveryMessage(r["org_id"], r["id"], r["attempts"] + 1, "retry") for r in rows],
        )
        released = store.mark_released(conn, [(m.org_id, m.delivery_id) for m in accepted], now)
    return Round(len(rows), released)


def run(seconds: float = 50.0, pause: float = 2.0) -> int:
    """Release rounds, ``pause`` apart, while they release something and ``seconds`` last (so an
    endpoint that works through its in-flight deliveries gets more within the minute); returns
    how many were released."""
    deadline = time.monotonic() + seconds
    released = 0
    while True:
        result = release_once()
        released += result.released
        if result.released == 0 or time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
    if released:
        logger.info("released held deliveries", extra={"released": released})
    return released
