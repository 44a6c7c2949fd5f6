"""The hourly billing schedule (``BillingUsageReport``):

1. metered usage (``HEARTH_STRIPE_METERS``: SMS and AI tokens by default) not yet reported is
   sent to Stripe Billing meter events, one event per ledger row with the row's id as the
   event's ``identifier`` (Stripe keeps one event per identifier, so a row sent twice, after a
   crash between the send and the mark, is counted once), then marked reported;
2. orgs whose canceled subscription's period has ended are moved to ``free`` (audit row and
   ``billing.plan_changed``), which ``hearth.billing.access`` already applies from the moment the
   period ends.

The system role finds the rows and the orgs (it may read only ids, meters, quantities and times,
and mark rows reported); each plan change runs in that org's own tenant transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from uuid import UUID

from hearth import audit, clock, db, outbox
from hearth.billing import store, stripe_api, subscriptions
from hearth.db import Connection
from hearth.observability import logger
from hearth.outbox.effects import TransactionEffects
from hearth.problems import Problem
from hearth.settings import settings

BATCH = 200


@dataclass
class ReportResult:
    reported: int = 0
    failed: int = 0
    downgraded: int = 0


@dataclass
class ScheduleEffects(TransactionEffects):
    """Audit rows and events of the schedule's work in one org's transaction."""

    org_id: UUID
    db: Connection
    run_id: str
    emitted: list[UUID] = field(default_factory=list)

    @property
    def actor(self) -> tuple[str, str]:
        return "system", "schedule:billing"

    @property
    def request_id(self) -> str:
        return self.run_id


def report_usage(*, batch: int = BATCH, max_batches: int = 10) -> tuple[int, int]:
    """Send unreported metered usage to Stripe; answers (reported, failed)."""
    meters = settings().stripe_meters
    reported = failed = 0
    for _ in range(max_batches):
        with db.system_transaction() as conn:
            rows = store.unreported(conn, sorted(meters), batch)
        for row in rows:
            try:
                stripe_api.meter_event(
                    meters[row["meter"]],
                    row["stripe_customer_id"],
                    int(row["quantity"]),
                    identifier=f"hearth-usage-{row['id']}",
                    timestamp=int(row["occurred_at"].timestamp()),
                )
            except Problem:
                failed += 1
                continue
            with db.system_transaction() as conn:
                store.mark_reported(conn, row["org_id"], row["id"])
            reported += 1
        if len(rows) < batch or failed:
            break
    return reported, failed


def settle_cancellations() -> int:
    """Move orgs whose canceled subscription ended to free; answers how many moved."""
    with db.system_transaction() as conn:
        orgs = store.cancellations_ended(conn, clock.now())
    moved = 0
    run_id = f"billing-{uuid.uuid4()}"
    for org_id in orgs:
        effects: ScheduleEffects | None = None
        tx = db.database("app").begin(
            str(org_id),
            "",
            audit_context=audit.context(("system", "schedule:billing"), audit.RequestMeta(run_id)),
        )
        try:
            effects = ScheduleEffects(org_id=org_id, db=tx.conn, run_id=run_id)
            changed = subscriptions.change_plan(effects, "free", reason="canceled")
            tx.commit()
        finally:
            if tx.open:
                tx.rollback()
        if changed:
            moved += 1
            outbox.after_commit(org_id, effects.emitted)
    return moved


def run() -> ReportResult:
    reported, failed = report_usage()
    moved = settle_cancellations()
    if reported or failed or moved:
        logger.info("billing schedule", extra={"reported": reported, "failed": failed, "downgraded": moved})
    return ReportResult(reported=reported, failed=failed, downgraded=moved)
