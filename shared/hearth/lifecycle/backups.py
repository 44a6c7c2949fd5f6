"""The daily backup check of the database (Aurora cluster or RDS instance), through the RDS API
(boto3, imported on first use by ``hearth.aws``)::

    report = backups.check()            # BackupReport(target=…, results=[CheckResult…])
    report.passed                       # every check passed

Five checks, each stored in ``backup_checks`` (system role) and emitted as a metric
``BackupCheckFailed`` (dimension ``check``; 0 or 1) on which the template's alarm notifies the
backup alarm topic:

- ``snapshot_age``: the newest automated snapshot is at most 26 hours old;
- ``backup_retention``: automated backups are kept at least 30 days;
- ``storage_encrypted``: storage is encrypted;
- ``restore_lag``: the latest restorable time (point-in-time restore) is at most 15 minutes ago;
- ``deletion_protection``: deletion protection is on.

``hearth backups check`` runs the same locally against moto's RDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from hearth import aws, clock, db
from hearth.observability import NAMESPACE, SERVICE, logger
from hearth.settings import settings

MAX_SNAPSHOT_AGE = timedelta(hours=26)
MIN_RETENTION_DAYS = 30
MAX_RESTORE_LAG = timedelta(minutes=15)


class BackupTargetMissing(RuntimeError):
    """No database is named, or the named one does not exist."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    passed: bool
    observed: str
    expected: str


@dataclass(slots=True)
class BackupReport:
    target: str
    kind: str  # cluster | instance
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def _describe(rds: Any, identifier: str) -> tuple[str, dict[str, Any], list[datetime]]:
    """(kind, description, automated snapshot times) of the cluster or instance."""
    try:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    except rds.exceptions.DBClusterNotFoundFault:
        cluster = None
    if cluster is not None:
        snaps = rds.describe_db_cluster_snapshots(DBClusterIdentifier=identifier, SnapshotType="automated")
        times = [s["SnapshotCreateTime"] for s in snaps["DBClusterSnapshots"] if s.get("SnapshotCreateTime")]
        return "cluster", cluster, times
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault as exc:
        raise BackupTargetMissing(f"no DB cluster or instance {identifier!r}") from exc
    snaps = rds.describe_db_snapshots(DBInstanceIdentifier=identifier, SnapshotType="automated")
    times = [s["SnapshotCreateTime"] for s in snaps["DBSnapshots"] if s.get("SnapshotCreateTime")]
    return "instance", instance, times


def _age(now: datetime, then: datetime | None) -> timedelta | None:
    return None if then is None else now - then


def _minutes(delta: timedelta | None) -> str:
    return "none" if delta is None else f"{delta.total_seconds() / 60:.1f} min"


def evaluate(desc: dict[str, Any], snapshots: list[datetime], now: datetime) -> list[CheckResult]:
    """The five checks of one cluster's or instance's description."""
    newest = _age(now, max(snapshots) if snapshots else None)
    lag = _age(now, desc.get("LatestRestorableTime"))
    retention = int(desc.get("BackupRetentionPeriod") or 0)
    encrypted = bool(desc.get("StorageEncrypted"))
    protected = bool(desc.get("DeletionProtection"))
    return [
        CheckResult(
            "snapshot_age",
            newest is not None and newest <= MAX_SNAPSHOT_AGE,
            "no automated snapshot" if newest is None else f"{newest.total_seconds() / 3600:.1f} h",
            f"<= {MAX_SNAPSHOT_AGE.total_seconds() / 3600:.0f} h",
        ),
        CheckResult(
            "backup_retention",
            retention >= MIN_RETENTION_DAYS,
            f"{retention} days",
            f">= {MIN_RETENTION_DAYS} days",
        ),
        CheckResult("storage_encrypted", encrypted, str(encrypted).lower(), "true"),
        CheckResult(
            "restore_lag",
            lag is not None and lag <= MAX_RESTORE_LAG,
            _minutes(lag),
            f"<= {_minutes(MAX_RESTORE_LAG)}",
        ),
        CheckResult("deletion_protection", protected, str(protected).lower(), "true"),
    ]


def inspect(identifier: str, now: datetime | None = None) -> BackupReport:
    """Read the database's backup state from RDS and check it (nothing stored)."""
    kind, desc, snapshots = _describe(aws.client("rds", read_timeout=10), identifier)
    return BackupReport(identifier, kind, evaluate(desc, snapshots, now or clock.now()))


def _store(report: BackupReport, now: datetime) -> None:
    with db.system_transaction() as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO backup_checks (checked_at, target, check_name, passed, observed, expected)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [(now, report.target, r.check, r.passed, r.observed, r.expected) for r in report.results],
        )


def _emit(report: BackupReport) -> None:
    # What the template's alarm watches: the number of failed checks of the day's run (a run
    # that did not happen is missing data, which the alarm treats as failing).
    total = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    total.add_metric(
        name="BackupChecksFailed", unit=MetricUnit.Count, value=sum(not r.passed for r in report.results)
    )
    try:
        total.flush_metrics()
    finally:
        total.clear_metrics()
    for result in report.results:
        metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        metrics.add_dimension(name="check", value=result.check)
        metrics.add_metric(name="BackupCheckFailed", unit=MetricUnit.Count, value=0 if result.passed else 1)
        try:
            metrics.flush_metrics()
        finally:
            metrics.clear_metrics()


def check(identifier: str | None = None, now: datetime | None = None) -> BackupReport:
    """The daily schedule's job: inspect, store the results, emit a metric per check."""
    identifier = identifier or settings().backup_db_identifier
    if not identifier:
        raise BackupTargetMissing("HEARTH_BACKUP_DB_IDENTIFIER names no database")
    now = now or clock.now()
    report = inspect(identifier, now)
    _store(report, now)
    _emit(report)
    failed = [r.check for r in report.results if not r.passed]
    if failed:
        logger.error("backup checks failed", extra={"target": identifier, "failed": failed})
    else:
        logger.info("backup checks passed", extra={"target": identifier})
    return report
