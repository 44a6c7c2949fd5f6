"""The export bucket in moto, as template.yaml's ExportBucket (SSE-KMS under a key of its own)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from hearth import aws
from hearth.lifecycle import export_worker
from hearth.lifecycle.export_worker import ExportMessage
from hearth.settings import settings

BUCKET = "hearth-exports"


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        aws.reset("s3")
        aws.reset("kms")
        export_worker.reset_presigner()
        s3 = aws.client("s3", read_timeout=5)
        s3.create_bucket(Bucket=BUCKET)
        key = aws.client("kms", read_timeout=5).create_key()["KeyMetadata"]["Arn"]
        s3.put_bucket_encryption(
            Bucket=BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.key_arn = key
        monkeypatch.setenv("HEARTH_EXPORTS_BUCKET", BUCKET)
        settings.cache_clear()
        try:
            yield s3
        finally:
            export_worker.reset_presigner()
            aws.reset("s3")
            aws.reset("kms")
            monkeypatch.delenv("HEARTH_EXPORTS_BUCKET", raising=False)
            settings.cache_clear()


class Zip:
    """An export's zip, read back: the manifest, each table's rows, the file references."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.manifest: dict[str, Any] = json.loads(self.zip.read("manifest.json"))

    def rows(self, table: str) -> list[dict[str, Any]]:
        if table not in self.manifest["tables"]:
            return []
        result: list[dict[str, Any]] = json.loads(self.zip.read(self.manifest["tables"][table]["file"]))
        return result

    def ids(self, table: str, column: str = "id") -> set[str]:
        return {str(r[column]) for r in self.rows(table)}

    def files(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = json.loads(self.zip.read("files.json"))
        return result

    def text(self) -> str:
        return "".join(self.zip.read(name).decode() for name in self.zip.namelist())


def ask(client: Any, org_id: str, auth: str, body: dict[str, Any], *, as_user: bool = False) -> Any:
    """``POST /v1/exports`` (with the org header for a user's token)."""
    return client.post("/v1/exports", auth=auth, org=org_id if as_user else None, json_body=body)


def run(org_id: str, export_id: str) -> str:
    """What the export worker does with the export's message."""
    return export_worker.process(ExportMessage(uuid.UUID(org_id), uuid.UUID(export_id)))


def download(s3: Any, org_id: str, export_id: str) -> Zip:
    data = s3.get_object(Bucket=BUCKET, Key=f"exports/{org_id}/{export_id}.zip")["Body"].read()
    return Zip(data)


def build(
    client: Any, s3: Any, org_id: str, auth: str, body: dict[str, Any], *, as_user: bool = False
) -> tuple[dict[str, Any], Zip]:
    """Ask for an export, run the worker on it, read it (``GET``) and its zip back."""
    asked = ask(client, org_id, auth, body, as_user=as_user)
    assert asked.status == 202, asked.body
    export_id = asked.json()["id"]
    assert run(org_id, export_id) == "completed"
    got = client.get(f"/v1/exports/{export_id}", auth=auth, org=org_id if as_user else None)
    assert got.status == 200, got.body
    return got.json(), download(s3, org_id, export_id)
