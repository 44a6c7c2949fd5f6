"""Retention of AI runs: what a finished run holds of the org's data and the requester's words
(instructions, output, records shown) is erased after ``ai_run_retention_days`` (30 by default);
the run stays, with its task, status, usage and error code, for the usage ledger. Runs as the
system role, across orgs, in batches::

    retention.purge()    # PurgeReport(purged=…) — the hourly AiRunRetention schedule
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hearth import clock, db
from hearth.ai import store
from hearth.observability import logger
from hearth.settings import settings

BATCH = 500


@dataclass(frozen=True, slots=True)
class PurgeReport:
    purged: int


def purge(*, batch: int = BATCH, max_batches: int = 20) -> PurgeReport:
    """Erase the runs finished longer ago than the retention period (up to ``batch * max_batches``
    a time; the next run of the schedule continues)."""
    cutoff = clock.now() - timedelta(days=settings().ai_run_retention_days)
    purged = 0
    for _ in range(max_batches):
        with db.system_transaction() as conn:
            done = store.purge(conn, cutoff, batch)
        purged += done
        if done < batch:
            break
    if purged:
        logger.info("AI runs purged", extra={"purged": purged})
    return PurgeReport(purged=purged)
