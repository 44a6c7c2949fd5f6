"""The daily backup check against moto's RDS: a well-kept cluster passes every check; each way of
falling short fails its own check; the results are stored and a metric is emitted per check;
the deployed function runs the same from its sample event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from moto import mock_aws

from hearth import aws, clock
from hearth.lifecycle import backups

GOOD = {
    "Engine": "aurora-postgresql",
    "MasterUsername": "hearth",
    "MasterUserPassword": "not-a-secret-1",
    "StorageEncrypted": True,
    "DeletionProtection": True,
    "BackupRetentionPeriod": 30,
}
CHECKS = {"snapshot_age", "backup_retention", "storage_encrypted", "restore_lag", "deletion_protection"}


@pytest.fixture
def rds(monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset("rds")
        yield aws.client("rds", read_timeout=5)
    aws.reset("rds")


def _cluster(rds, name: str, **changes: object) -> str:
    rds.create_db_cluster(DBClusterIdentifier=name, **{**GOOD, **changes})
    return name


def _failed(report: backups.BackupReport) -> set[str]:
    return {r.check for r in report.results if not r.passed}


def test_a_well_kept_cluster_passes_every_check_and_the_results_are_stored(
    rds, admin_db, monkeypatch, capsys
):
    name = _cluster(rds, "hearth-good")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    report = backups.check(name)
    assert (report.kind, report.passed, {r.check for r in report.results}) == ("cluster", True, CHECKS)
    rows = admin_db.execute(
        "SELECT check_name, passed FROM backup_checks WHERE target = %s", (name,)
    ).fetchall()
    assert {(r["check_name"], r["passed"]) for r in rows} == {(c, True) for c in CHECKS}
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_check = {r["check"]: r["BackupCheckFailed"] for r in records if "check" in r}
    assert per_check == {c: [0.0] for c in CHECKS}
    assert [r["BackupChecksFailed"] for r in records if "BackupChecksFailed" in r] == [[0.0]]


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"BackupRetentionPeriod": 7}, {"backup_retention"}),
        ({"StorageEncrypted": False}, {"storage_encrypted"}),
        ({"DeletionProtection": False}, {"deletion_protection"}),
    ],
)
def test_each_setting_that_falls_short_fails_its_own_check(rds, admin_db, changes, failing):
    name = _cluster(rds, f"hearth-{next(iter(failing)).replace('_', '-')}", **changes)
    report = backups.check(name)
    assert (_failed(report), report.passed) == (failing, False)
    stored = admin_db.execute(
        "SELECT check_name FROM backup_checks WHERE target = %s AND NOT passed", (name,)
    ).fetchall()
    assert {r["check_name"] for r in stored} == failing


def test_an_old_snapshot_and_a_lagging_restore_point_fail(rds):
    name = _cluster(rds, "hearth-stale")
    report = backups.inspect(name, now=clock.now() + timedelta(hours=27))
    assert _failed(report) == {"snapshot_age", "restore_lag"}
    within = backups.inspect(name, now=clock.now() + timedelta(minutes=10))
    assert _failed(within) == set()


def test_an_instance_is_checked_too_and_a_missing_database_is_an_error(rds):
    rds.create_db_instance(
        DBInstanceIdentifier="hearth-instance",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="hearth",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=30,
        StorageEncrypted=True,
        DeletionProtection=True,
    )
    report = backups.inspect("hearth-instance")
    assert (report.kind, report.passed) == ("instance", True)
    with pytest.raises(backups.BackupTargetMissing):
        backups.inspect("no-such-database")


def test_the_daily_function_checks_the_configured_database(rds, monkeypatch):
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from hearth.settings import settings
    from tests.conftest import ROOT

    _cluster(rds, "hearth-configured", DeletionProtection=False)
    monkeypatch.setenv("HEARTH_BACKUP_DB_IDENTIFIER", "hearth-configured")
    settings.cache_clear()
    try:
        fn = load_template(ROOT).functions["BackupCheckFunction"]
        answer = invoke(fn, json.loads(fn.sample_event.read_text()))
    finally:
        settings.cache_clear()
    assert answer["target"] == "hearth-configured"
    assert answer["passed"] is False
    assert answer["checks"]["deletion_protection"] is False
