"""The local stack creates the audit anchor bucket the way CloudFormation would: Object Lock in
compliance mode with the template's retention, so an anchor the AuditAnchor schedule writes
locally cannot be deleted either; and the schedule and the verifier are pointed at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from hearth_dev.local.aws import LocalAws, MotoServer, client
from hearth_dev.local.environment import function_environment
from hearth_dev.sam.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def test_the_local_anchor_bucket_is_locked_in_compliance_mode() -> None:
    template = load_template(ROOT)
    with MotoServer() as moto:
        aws = LocalAws(moto.endpoint, template)
        aws.provision()
        bucket = aws.ref("AuditAnchorBucket")
        s3 = client("s3", moto.endpoint)
        lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        days = int(template.parameters["AuditRetentionDays"]["Default"])
        assert lock["ObjectLockEnabled"] == "Enabled"
        retention = lock["Rule"]["DefaultRetention"]
        assert (retention["Mode"], retention["Days"]) == ("COMPLIANCE", days)
        body = b'{"seq": 1}'
        put = s3.put_object(
            Bucket=bucket,
            Key="audit-anchors/probe.json",
            Body=body,
            ChecksumAlgorithm="SHA256",  # Object Lock needs the body's checksum with the request
        )
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=bucket, Key="audit-anchors/probe.json", VersionId=put["VersionId"])
        # A stack provisioned again on the same server (its bucket now holds a locked anchor,
        # which no configuration change may touch) keeps the bucket as it is.
        again = LocalAws(moto.endpoint, template)
        again.provision()
        assert again.ref("AuditAnchorBucket") == bucket
        assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == lock
        env = function_environment(template, aws.resolver)
        assert env.variables["HEARTH_AUDIT_ANCHOR_BUCKET"] == bucket
        assert env.unresolved == []
