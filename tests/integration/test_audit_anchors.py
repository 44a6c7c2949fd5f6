"""The audit chain anchored outside the database: the hourly schedule writes each moved chain
head to an S3 bucket under Object Lock (moto), and GET /v1/audit-logs/verify checks the chain
against every anchor — so a chain rewritten consistently (hashes recomputed, head moved), which
passes its own links, is caught."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hearth_dev.sam import events as sam_events
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from moto import mock_aws

from hearth import audit, db
from hearth.audit_logs import anchors
from hearth.settings import settings
from tests.conftest import ROOT

BUCKET = "hearth-test-audit-anchors"
TEMPLATE = load_template(ROOT)


@dataclass
class Bucket:
    name: str
    s3: Any

    def keys(self, org_id: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.name, Prefix=f"{anchors.PREFIX}{org_id}/")
        return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
def bucket(monkeypatch, admin_db) -> Iterator[Bucket]:
    # Every org of the session database has a chain: start this test from anchored heads.
    admin_db.execute(
        "INSERT INTO audit_anchors (org_id, seq, hash, anchored_at)"
        " SELECT org_id, last_seq, last_hash, now() FROM audit_chain_heads WHERE last_seq > 0"
        " ON CONFLICT (org_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash"
    )
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 90}},
            },
        )
        monkeypatch.setenv("HEARTH_AUDIT_ANCHOR_BUCKET", BUCKET)
        settings.cache_clear()
        anchors.reset_client()
        try:
            yield Bucket(BUCKET, s3)
        finally:
            anchors.reset_client()
            settings.cache_clear()


def _write_rows(org_id: str, n: int) -> None:
    with db.tenant_transaction(org_id) as conn:
        for i in range(n):
            audit.record(
                conn,
                org_id=org_id,
                actor=("system", "tests"),
                action="test.event",
                resource_type="test",
                resource_id=i,
                changes={"n": i},
            )


def _head(admin_db, org_id: str) -> dict[str, Any]:
    return admin_db.execute(
        "SELECT last_seq, last_hash FROM audit_chain_heads WHERE org_id = %s", (org_id,)
    ).fetchone()


def _run_schedule() -> dict[str, Any]:
    fn = TEMPLATE.functions["AuditAnchorFunction"]
    result: dict[str, Any] = invoke(fn, sam_events.scheduled_event(sam_events.rule_arn("Hourly")))
    return result


def _rewrite_from(admin_db, org_id: str, seq: int) -> None:
    """What someone with the database's owner rights could do: change row ``seq`` and recompute
    every hash from there on, and the head, so the chain's own links all hold."""
    admin_db.execute(
        'UPDATE audit_logs SET changes = \'{"n": "rewritten"}\' WHERE org_id = %s AND seq = %s',
        (org_id, seq),
    )
    rows = admin_db.execute(
        "SELECT seq FROM audit_logs WHERE org_id = %s AND seq >= %s ORDER BY seq", (org_id, seq)
    ).fetchall()
    for row in rows:
        admin_db.execute(
            "UPDATE audit_logs a SET prev_hash = coalesce((SELECT hash FROM audit_logs p"
            " WHERE p.org_id = a.org_id AND p.seq = a.seq - 1), ''::bytea)"
            " WHERE org_id = %s AND seq = %s",
            (org_id, row["seq"]),
        )
        admin_db.execute(
            "UPDATE audit_logs a SET hash = audit_row_hash(a) WHERE org_id = %s AND seq = %s",
            (org_id, row["seq"]),
        )
    admin_db.execute(
        "UPDATE audit_chain_heads h SET last_hash = (SELECT hash FROM audit_logs"
        " WHERE org_id = h.org_id AND seq = h.last_seq) WHERE org_id = %s",
        (org_id,),
    )


def _verify(client, tenant) -> dict[str, Any]:
    response = client.get("/v1/audit-logs/verify", auth=tenant.key_auth)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def test_the_schedule_anchors_each_moved_chain_once(bucket, tenant, other_tenant, admin_db):
    _write_rows(tenant.org_id, 3)
    _write_rows(other_tenant.org_id, 2)
    report = _run_schedule()
    assert report == {"moved": 2, "anchored": 2, "failed": 0}
    for org in (tenant.org_id, other_tenant.org_id):
        head = _head(admin_db, org)
        assert bucket.keys(org) == [anchors.key(org, head["last_seq"], bytes(head["last_hash"]))]
    # Nothing moved: nothing is written again.
    assert _run_schedule() == {"moved": 0, "anchored": 0, "failed": 0}
    _write_rows(tenant.org_id, 1)
    assert _run_schedule() == {"moved": 1, "anchored": 1, "failed": 0}
    assert len(bucket.keys(tenant.org_id)) == 2
    assert len(bucket.keys(other_tenant.org_id)) == 1


def test_anchors_are_locked_in_compliance_mode(bucket, tenant):
    _write_rows(tenant.org_id, 1)
    anchors.anchor_all()
    (name,) = bucket.keys(tenant.org_id)
    head = bucket.s3.head_object(Bucket=bucket.name, Key=name)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError, match="AccessDenied"):
        bucket.s3.delete_object(Bucket=bucket.name, Key=name, VersionId=head["VersionId"])
    with pytest.raises(ClientError, match="AccessDenied"):
        bucket.s3.delete_object(
            Bucket=bucket.name, Key=name, VersionId=head["VersionId"], BypassGovernanceRetention=True
        )


def test_verify_matches_the_chain_with_its_anchors(bucket, client, tenant, admin_db):
    _write_rows(tenant.org_id, 4)
    anchors.anchor_all()
    anchored = _head(admin_db, tenant.org_id)["last_seq"]
    _write_rows(tenant.org_id, 2)
    body = _verify(client, tenant)
    assert body["valid"] is True
    assert body["anchor"]["status"] == "matched"
    assert body["anchor"]["latest_seq"] == anchored
    assert body["anchor"]["anchors_checked"] == 1
    assert body["anchor"]["rows_after_anchor"] == body["rows_checked"] - anchored >= 2


def test_a_consistent_rewrite_passes_its_own_links_but_not_its_anchor(bucket, client, tenant, admin_db):
    _write_rows(tenant.org_id, 3)
    anchors.anchor_all()
    first_anchor = _head(admin_db, tenant.org_id)["last_seq"]
    _write_rows(tenant.org_id, 3)
    anchors.anchor_all()
    target = first_anchor + 1  # after the first anchor, before the second
    _rewrite_from(admin_db, tenant.org_id, target)
    with db.tenant_transaction(tenant.org_id) as conn:
        assert audit.verify_chain(conn).valid  # the chain alone cannot tell
    body = _verify(client, tenant)
    assert body["valid"] is False
    assert body["anchor"]["status"] == "mismatch"
    assert body["anchor"]["anchors_checked"] == 1
    assert body["first_invalid_seq"] == first_anchor + 1
    assert "rewritten after they were anchored" in body["reason"]


def test_rows_cut_from_the_end_contradict_the_anchor(bucket, client, tenant, admin_db):
    _write_rows(tenant.org_id, 4)
    anchors.anchor_all()
    last = _head(admin_db, tenant.org_id)["last_seq"]
    admin_db.execute("DELETE FROM audit_logs WHERE org_id = %s AND seq > %s", (tenant.org_id, last - 2))
    admin_db.execute(
        "UPDATE audit_chain_heads h SET last_seq = %s, last_hash = (SELECT hash FROM audit_logs"
        " WHERE org_id = h.org_id AND seq = %s) WHERE org_id = %s",
        (last - 2, last - 2, tenant.org_id),
    )
    with db.tenant_transaction(tenant.org_id) as conn:
        assert audit.verify_chain(conn).valid
    body = _verify(client, tenant)
    assert body["valid"] is False
    assert body["anchor"]["status"] == "mismatch"
    assert f"says it had {last} rows: rows were removed" in body["reason"]


def test_a_chain_without_an_anchor_yet_says_so(bucket, client, tenant):
    body = _verify(client, tenant)
    assert body["valid"] is True
    assert body["anchor"]["status"] == "missing"
    assert "No anchor of this chain yet" in body["anchor"]["detail"]


def test_without_an_anchor_bucket_the_chain_is_checked_against_itself(client, tenant):
    assert not settings().audit_anchor_bucket
    body = _verify(client, tenant)
    assert body["valid"] is True
    assert body["anchor"]["status"] == "not_configured"
    assert "checked against itself only" in body["anchor"]["detail"]


def test_anchor_keys_name_the_org_the_row_and_its_hash():
    org = "6c7f3f4e-3c1d-4a55-9a4e-2b9c1e0d7a10"
    digest = bytes(range(32))
    name = anchors.key(org, 42, digest)
    assert name == f"audit-anchors/{org}/{42:020d}-{digest.hex()}.json"
    assert anchors.parse_key(name) == (org, 42, digest)
    for other in ("audit-anchors/x/1-00.json", f"audit-anchors/{org}/abc-00.json", "elsewhere/k.json"):
        assert anchors.parse_key(other) is None
