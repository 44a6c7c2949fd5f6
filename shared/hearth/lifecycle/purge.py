"""The purges: every kind of the retention policy (``hearth.lifecycle.retention``) whose rows are
past their period goes, as the system role, in batches::

    purge.run("expired")     # PurgeReport(purged={"idempotency_keys": 1200, ...}, ...)
    purge.run("records")     # soft-deleted CRM records, children before parents
    purge.run_kind(policy()["ai_run_content"])

Each batch is its own transaction (a crash mid-run leaves whole batches done and nothing half
done; the next run continues), takes at most ``BATCH`` rows, oldest first, with
``FOR UPDATE SKIP LOCKED`` (a row a live transaction holds is left for the next run) under
``SET LOCAL lock_timeout`` (a lock the purge would wait for longer is given up, not queued
behind). The cutoff is stated in the statement per row: the greater of the policy's period and
the org's override. A run of the same kinds again finds nothing: purging is idempotent.

Every kind emits ``RowsPurged`` (dimension ``kind``) and ``PurgeBehindSeconds``, how long the
oldest row still purgeable has been past its period; every run emits ``PurgeRunFailed`` and the
largest ``PurgeBehindSeconds`` (dimension ``schedule``), which the template alarms on. A kind
that fails is logged and the run goes on with the others, then raises. The audit log is purged
by ``audit_purge()`` (migration 0132), which keeps the chain verifiable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from psycopg import sql

from hearth import clock, db
from hearth.lifecycle.retention import Kind, ScheduleName, kinds
from hearth.observability import NAMESPACE, SERVICE, logger

#: Rows per batch (one transaction each).
BATCH = 5000
#: The longest the purge waits for a lock before giving the batch up.
LOCK_TIMEOUT = "1s"
#: Orgs per audit batch (one transaction each), and rows per org per batch.
AUDIT_ROWS = 5000


class PurgeFailed(RuntimeError):
    """Some kinds failed (the others were purged); the schedule's error alarm goes off."""


@dataclass(slots=True)
class PurgeReport:
    purged: dict[str, int] = field(default_factory=dict)
    #: Seconds the oldest still-purgeable row of each kind is past its period (0: caught up).
    behind: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _doomed(kind: Kind) -> sql.Composed:
    """The rows of one batch: past their cutoff, oldest first, locked, live transactions' rows
    skipped."""
    table, age = sql.Identifier(kind.table), sql.Identifier(kind.age)
    period: sql.Composable = sql.SQL("%(seconds)s")
    if kind.per_org and kind.overridable:
        period = sql.SQL(
            "greatest(%(seconds)s, coalesce((SELECT o.seconds FROM retention_overrides o"
            " WHERE o.org_id = t.org_id AND o.kind = %(kind)s), 0))"
        )
    # Oldest first, from where the last batch of this run ended: the rows it deleted are still in
    # the age index until vacuum, and walking past them again each batch would grow with the run.
    condition = sql.SQL(
        "t.{age} < %(now)s - make_interval(secs => {period}) AND t.{age} >= %(after)s::timestamptz"
    ).format(age=age, period=period)
    if kind.where:
        condition = sql.SQL("{} AND ({})").format(condition, sql.SQL(kind.where))
    return sql.SQL(
        "SELECT {key}, t.{age} AS purged_age FROM {table} t WHERE {condition}"
        " ORDER BY t.{age} LIMIT %(limit)s FOR UPDATE OF t SKIP LOCKED"
    ).format(
        key=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in kind.key),
        table=table,
        condition=condition,
        age=age,
    )


def statement(kind: Kind) -> sql.Composed:
    """One batch of ``kind``: delete (or erase) up to ``%(limit)s`` rows past their cutoff."""
    # The locked rows are found again by their key (the system role may not read ctid: it has
    # column grants only).
    join = sql.SQL(" AND ").join(sql.SQL("t.{c} = d.{c}").format(c=sql.Identifier(c)) for c in kind.key)
    if kind.method == "erase":
        change = sql.SQL("UPDATE {table} t SET {erase} FROM d WHERE {join}").format(
            table=sql.Identifier(kind.table), erase=sql.SQL(kind.erase), join=join
        )
    else:
        change = sql.SQL("DELETE FROM {table} t USING d WHERE {join}").format(
            table=sql.Identifier(kind.table), join=join
        )
    return sql.SQL(
        "WITH d AS ({doomed}), gone AS ({change} RETURNING d.purged_age)"
        " SELECT count(*) AS n, max(purged_age) AS last FROM gone"
    ).format(doomed=_doomed(kind), change=change)


#: Where a run starts: the oldest row.
START = "-infinity"


def _params(kind: Kind, now: datetime, limit: int, after: Any = START) -> dict[str, Any]:
    return {
        "now": now,
        "seconds": kind.period.total_seconds(),
        "kind": kind.name,
        "limit": limit,
        "after": after,
    }


def _batch(kind: Kind, now: datetime, limit: int, after: Any = START) -> tuple[int, Any]:
    """One batch in its own transaction: (rows purged, the age of the youngest of them)."""
    with db.system_transaction() as conn:
        # A batch lost with the server's last moments is purged again by the next run: no need
        # to wait for its WAL flush.
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; SET LOCAL synchronous_commit = off")
        row = conn.execute(statement(kind), _params(kind, now, limit, after)).fetchone()
    return (int(row["n"]), row["last"]) if row else (0, None)


def behind(kind: Kind, now: datetime | None = None) -> float:
    """Seconds the oldest row of ``kind`` still purgeable by the default period is past it."""
    now = now or clock.now()
    where = sql.SQL(" AND ({})").format(sql.SQL(kind.where)) if kind.where else sql.SQL("")
    query = sql.SQL("SELECT min(t.{age}) AS oldest FROM {table} t WHERE t.{age} < %(cutoff)s{where}").format(
        age=sql.Identifier(kind.age), table=sql.Identifier(kind.table), where=where
    )
    if kind.name == "audit":  # the system role does not read audit rows: the checkpointed heads
        return 0.0
    with db.system_transaction() as conn:
        row = conn.execute(query, {"cutoff": now - kind.period}).fetchone()
    oldest = row["oldest"] if row else None
    return 0.0 if oldest is None else max(0.0, (now - kind.period - oldest).total_seconds())


def run_kind(kind: Kind, *, batch: int = BATCH, max_batches: int = 200, deadline: float | None = None) -> int:
    """Purge ``kind`` in batches until a batch comes back short, ``max_batches`` ran or the
    ``deadline`` (``time.monotonic()``) passed; returns the rows purged."""
    if kind.name == "audit":
        return purge_audit(kind, deadline=deadline)
    now = clock.now()
    purged = 0
    after: Any = START
    for _ in range(max_batches):
        done, last = _batch(kind, now, batch, after)
        purged += done
        after = last if last is not None else after
        if done < batch or (deadline is not None and time.monotonic() > deadline):
            break
    return purged


def purge_audit(kind: Kind, *, rows: int = AUDIT_ROWS, deadline: float | None = None) -> int:
    """Each org's audit rows past their retention, one org per transaction, through
    ``audit_purge()`` (which writes the org's checkpoint in the same transaction)."""
    with db.system_transaction() as conn:
        orgs = [r["org_id"] for r in conn.execute("SELECT org_id FROM audit_chain_heads ORDER BY org_id")]
    purged = 0
    refused: list[str] = []
    for org in orgs:
        while True:
            try:
                with db.system_transaction() as conn:
                    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    row = conn.execute(
                        "SELECT audit_purge(%s, make_interval(secs => %s), %s) AS n",
                        (org, kind.period.total_seconds(), rows),
                    ).fetchone()
            except psycopg.errors.DataCorrupted:
                # A chain with a gap is not purged (nor checkpointed); the others still are.
                logger.exception("audit chain not purged", extra={"org_id": str(org)})
                refused.append(str(org))
                break
            done = int(row["n"]) if row else 0
            purged += done
            if done < rows or (deadline is not None and time.monotonic() > deadline):
                break
    if refused:
        raise PurgeFailed(f"the audit chains of {len(refused)} orgs have gaps and were not purged")
    return purged


def _emit(dimension: str, value: str, counts: dict[str, tuple[float, MetricUnit]]) -> None:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension(name=dimension, value=value)
    for name, (amount, unit) in counts.items():
        metrics.add_metric(name=name, unit=unit, value=amount)
    try:
        metrics.flush_metrics()
    finally:
        metrics.clear_metrics()


def run(schedule: ScheduleName, *, budget: timedelta = timedelta(minutes=12)) -> PurgeReport:
    """Every kind of ``schedule``, in the policy's order, within ``budget``; raises
    :class:`PurgeFailed` after the others when a kind failed."""
    deadline = time.monotonic() + budget.total_seconds()
    report = PurgeReport()
    for kind in kinds(schedule):
        try:
            report.purged[kind.name] = run_kind(kind, deadline=deadline)
        except psycopg.errors.LockNotAvailable:
            # A live transaction held what a cascade needed: the next run tries again.
            report.purged[kind.name] = 0
            logger.warning("purge gave up a batch on a lock", extra={"kind": kind.name})
        except Exception as exc:  # the other kinds still run; raised below
            report.failed[kind.name] = type(exc).__name__
            logger.exception("purge failed", extra={"kind": kind.name})
        report.behind[kind.name] = behind(kind) if kind.name not in report.failed else 0.0
        _emit(
            "kind",
            kind.name,
            {
                "RowsPurged": (report.purged.get(kind.name, 0), MetricUnit.Count),
                "PurgeBehindSeconds": (report.behind[kind.name], MetricUnit.Seconds),
            },
        )
    # What the template's alarms watch: a run that failed, a schedule that falls behind.
    _emit(
        "schedule",
        schedule,
        {
            "PurgeRunFailed": (1 if report.failed else 0, MetricUnit.Count),
            "PurgeBehindSeconds": (max(report.behind.values(), default=0.0), MetricUnit.Seconds),
        },
    )
    logger.info("purge done", extra={"schedule": schedule, "purged": report.purged, "failed": report.failed})
    if report.failed:
        raise PurgeFailed(f"purge of {', '.join(report.failed)} failed")
    return report


def run_records() -> PurgeReport:
    """The daily purge of soft-deleted CRM records."""
    return run("records")


def run_expired() -> PurgeReport:
    """The hourly purge of expired rows (replies, windows, receipts, events, attempts, sessions…)."""
    return run("expired")


def run_audit() -> PurgeReport:
    """The daily purge of audit rows past their retention."""
    return run("audit")
