"""The outbox relay: committed domain events onto the dispatch queue.

Right after a route's transaction commits, :func:`after_commit` sends the events it emitted (best
effort: nothing is raised to the caller) and marks them published. Every minute
:func:`sweep` publishes whatever is still unpublished — a relay that died between the commit and
the send, an SQS outage. An event published twice is fanned out once: deliveries are unique per
(endpoint, event).

The answer waits for the send (on Lambda nothing runs after the handler returns, so a send left
for later would wait for the environment's next invocation or the sweep; docs/decisions.md). The
mark is one round trip that does not wait for the WAL flush: a mark lost in a crash only makes
the sweep publish the event again.

    relay.after_commit(org_id, [event_id])   # after commit
    relay.sweep()                       # the OutboxSweep schedule
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from hearth import clock, db, queues
from hearth.observability import logger
from hearth.outbox import store
from hearth.outbox.messages import DispatchMessage
from hearth.settings import settings

#: The sweep leaves events this young to the after-commit relay (no needless double publish).
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500

#: Called with ``(org_id, event_ids)`` after a transaction that emitted events has committed,
#: in addition to the relay to the dispatch queue. Failures are logged and left to the sweep.
publishers: list[Callable[[UUID, list[UUID]], None]] = []


def after_commit(org_id: UUID, event_ids: list[UUID]) -> None:
    """Relay committed events to the dispatch queue, then any registered publishers (best
    effort: a failure is logged and the outbox sweep publishes the events within a minute)."""
    if not event_ids:
        return
    for send in [publish, *publishers]:
        try:
            send(org_id, event_ids)
        except Exception:
            logger.exception("publishing events after commit failed; the outbox sweep will publish them")


def publish(org_id: UUID, event_ids: Sequence[UUID]) -> int:
    """Send committed events of one org to the dispatch queue; returns how many were accepted."""
    queue_url = settings().event_dispatch_queue_url
    if not queue_url or not event_ids:
        if event_ids:
            logger.debug("no dispatch queue configured; the outbox sweep will publish")
        return 0
    accepted = queues.send(queue_url, [DispatchMessage(org_id, e) for e in event_ids])
    sent = [m.event_id for m in accepted]
    if sent:
        db.database("app").run_once(
            _MARK_PUBLISHED, {"at": clock.now(), "ids": sent}, str(org_id), durable=False
        )
    return len(sent)


#: ``store.mark_published`` as one statement for :meth:`hearth.db.Database.run_once`.
_MARK_PUBLISHED = (
    "UPDATE domain_events SET published_at = %(at)s WHERE id = ANY(%(ids)s) AND published_at IS NULL"
    " RETURNING id"
)


@dataclass(frozen=True, slots=True)
class SweepReport:
    found: int
    published: int


def sweep(*, batch: int = SWEEP_BATCH, max_batches: int = 20) -> SweepReport:
    """Publish the outbox backlog (system role), oldest first, up to ``batch * max_batches``."""
    queue_url = settings().event_dispatch_queue_url
    if not queue_url:
        raise RuntimeError("HEARTH_EVENT_DISPATCH_QUEUE_URL is not set")
    found = published = 0
    for _ in range(max_batches):
        now = clock.now()
        with db.system_transaction() as conn:
            rows = store.unpublished(conn, now - SWEEP_GRACE, batch)
            if not rows:
                break
            found += len(rows)
            accepted = queues.send(queue_url, [DispatchMessage(r["org_id"], r["id"]) for r in rows])
            ids = [m.event_id for m in accepted]
            published += store.mark_published(conn, ids, now)
        if len(rows) < batch or len(ids) < len(rows):
            break
    if found:
        logger.info("outbox sweep", extra={"found": found, "published": published})
    return SweepReport(found=found, published=published)
