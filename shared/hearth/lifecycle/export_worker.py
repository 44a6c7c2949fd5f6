"""The export worker (``ExportQueue``'s consumer, fed from ``export.requested``): one export per
message, streamed table by table into a zip in the export bucket::

    process(ExportMessage(org_id, export_id))   # queued -> running -> completed | failed

Every table of the export's scope (``hearth.lifecycle.export_plan``) is read through a
server-side cursor, a few thousand rows at a time, in one transaction, and written as
``tables/<table>.json`` (a JSON array, a row a line) into a zip in a temporary file; file
references (call recordings) go to ``files.json``; ``manifest.json`` names the schema version,
the counts and the files. Memory stays bounded by a fetch, whatever the org's size.

The zip is uploaded (multipart when large) under ``exports/<org>/<export>.zip`` (the bucket's
SSE-KMS applies); the export ends ``completed`` with ``export.completed`` (data
``{"requested_by", "export_id"}``: the requester is notified) and an audit row, in one
transaction. A repeated message finds the export done and does nothing; an export left
``running`` by a stopped worker is taken over after :data:`STALLED_AFTER`.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any
from uuid import UUID

from psycopg import sql

from hearth import audit, aws, clock, db, outbox
from hearth.events.types import EXPORT_COMPLETED, EXPORT_FAILED
from hearth.lifecycle import export_plan, export_store
from hearth.observability import logger
from hearth.settings import settings

PREFIX = "exports/"
#: Rows fetched per round trip from each table's server-side cursor.
FETCH_ROWS = 2000
#: How long the zip is kept: the bucket's lifecycle rule deletes it after two days.
KEPT = timedelta(days=2)
#: An export ``running`` this long had its worker stopped: a repeated message starts it again.
STALLED_AFTER = timedelta(minutes=20)
#: Bytes written to the zip at a time.
_CHUNK = 256 * 1024
FORMAT = "hearth-export/1"


@dataclass(frozen=True, slots=True)
class ExportMessage:
    org_id: UUID
    export_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "export_id": str(self.export_id)})

    @classmethod
    def parse(cls, body: str) -> ExportMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), export_id=UUID(data["export_id"]))


def s3() -> Any:
    return aws.client("s3", read_timeout=60)


def bucket() -> str:
    name = settings().exports_bucket
    if not name:
        raise RuntimeError("HEARTH_EXPORTS_BUCKET is not configured")
    return name


def key_of(org_id: UUID, export_id: UUID) -> str:
    return f"{PREFIX}{org_id}/{export_id}.zip"


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b16encode(bytes(value)).decode().lower()
    raise TypeError(f"cannot export a {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_value, ensure_ascii=False, separators=(",", ":"))


class _ArrayWriter:
    """A JSON array written into an open zip entry a row at a time, buffered in chunks."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.parts: list[str] = ["["]
        self.size = 1
        self.count = 0

    def add(self, item: Any) -> None:
        text = ("\n" if self.count == 0 else ",\n") + _dumps(item)
        self.parts.append(text)
        self.size += len(text)
        self.count += 1
        if self.size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.parts).encode())
        self.parts.clear()
        self.size = 0

    def close(self) -> None:
        self.parts.append("\n]\n")
        self.flush()


def write_zip(
    conn: db.Connection,
    out: IO[bytes],
    *,
    plan: list[export_plan.TablePlan],
    params: dict[str, Any],
    head: dict[str, Any],
) -> dict[str, int]:
    """Stream every table of ``plan`` into a zip written to ``out``; returns the rows per table.
    ``head`` starts the manifest (what was exported, by whom, when)."""
    counts: dict[str, int] = {}
    files = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for index, table in enumerate(plan):
            with zf.open(f"tables/{table.name}.json", "w", force_zip64=True) as entry:
                writer = _ArrayWriter(entry)
                with conn.cursor(name=f"export_{index}") as cur:
                    cur.itersize = FETCH_ROWS
                    cur.execute(table.query(), params)
                    for row in cur:
                        writer.add(row)
                writer.close()
            counts[table.name] = writer.count
        with zf.open("files.json", "w", force_zip64=True) as entry:
            writer = _ArrayWriter(entry)
            for source, column, bucket_name in export_plan.file_references(plan):
                query = sql.SQL("SELECT t.id, t.{col} AS key FROM ({q}) t WHERE t.{col} IS NOT NULL").format(
                    col=sql.Identifier(column), q=source.query()
                )
                with conn.cursor(name=f"export_files_{source.name}") as cur:
                    cur.itersize = FETCH_ROWS
                    cur.execute(query, params)
                    for row in cur:
                        writer.add(
                            {"table": source.name, "id": row["id"], "bucket": bucket_name, "key": row["key"]}
                        )
            writer.close()
            files = writer.count
        manifest = {
            **head,
            "format": FORMAT,
            "tables": {
                name: {"file": path, "rows": counts[name]}
                for name, path in export_plan.describe(plan).items()
            },
            "files": {"file": "files.json", "count": files},
        }
        zf.writestr("manifest.json", json.dumps(manifest, default=_json_value, indent=2))
    return counts


def process_record(record: Any) -> None:
    """The consumer's record handler."""
    process(ExportMessage.parse(record.body))


def process(message: ExportMessage) -> str:
    """Carry out the export ``message`` names; the outcome (``completed``, ``failed``, ``done``)."""
    with db.tenant_transaction(message.org_id) as conn:
        row = export_store.claim(conn, message.export_id, stalled_after=STALLED_AFTER)
    if row is None:
        logger.info("export not queued: nothing to do", extra={"export_id": str(message.export_id)})
        return "done"
    try:
        return _run(message, row)
    except Exception as exc:
        logger.exception(
            "export failed", extra={"export_id": str(message.export_id), "error_type": type(exc).__name__}
        )
        _finish(message, row, status="failed", error="internal_error")
        return "failed"


def _run(message: ExportMessage, row: dict[str, Any]) -> str:
    user_id = row["requested_by"]
    params = {"project": row["project_id"], "user": user_id}
    fd, path = tempfile.mkstemp(prefix="hearth-export-", suffix=".zip")
    try:
        with os.fdopen(fd, "w+b") as out:
            with db.tenant_transaction(message.org_id, user_id=user_id) as conn:
                plan = export_plan.build(conn, row["scope"])
                version = export_store.schema_version(conn)
                head = {
                    "export_id": str(message.export_id),
                    "org_id": str(message.org_id),
                    "scope": row["scope"],
                    "project_id": row["project_id"],
                    "requested_by": str(user_id),
                    "created_at": clock.now(),
                    "schema_version": version,
                }
                counts = write_zip(conn, out, plan=plan, params=params, head=head)
            size = out.tell()
        key = key_of(message.org_id, message.export_id)
        # No encryption header: the bucket's default (SSE-KMS under the exports key) applies.
        s3().upload_file(path, bucket(), key, ExtraArgs={"ContentType": "application/zip"})
    finally:
        os.unlink(path)
    _finish(message, row, status="completed", key=key, size=size, counts=counts, version=version)
    return "completed"


def _finish(
    message: ExportMessage,
    row: dict[str, Any],
    *,
    status: str,
    key: str | None = None,
    size: int | None = None,
    counts: dict[str, int] | None = None,
    version: str | None = None,
    error: str | None = None,
) -> None:
    """End the export, audit it and emit its event in one transaction; relay the event."""
    with db.tenant_transaction(message.org_id) as conn:
        finished = export_store.finish(
            conn,
            message.export_id,
            status=status,
            object_key=key,
            size_bytes=size,
            counts=counts,
            schema_version=version,
            error=error,
            expires_at=clock.now() + KEPT if status == "completed" else None,
        )
        if finished is None:
            logger.warning(
                "export ended before its outcome was stored", extra={"export_id": str(message.export_id)}
            )
            return
        audit.record(
            conn,
            org_id=message.org_id,
            action=f"export.{'complete' if status == 'completed' else 'fail'}",
            resource_type="export",
            resource_id=message.export_id,
            changes={"scope": row["scope"], "size_bytes": size, "error": error},
            actor=("system", None),
        )
        event_id = outbox.emit(
            conn,
            org_id=message.org_id,
            actor=("system", None),
            type=EXPORT_COMPLETED if status == "completed" else EXPORT_FAILED,
            resource_type="export",
            resource_id=message.export_id,
            data={"requested_by": str(row["requested_by"]), "export_id": str(message.export_id)},
        )
    outbox.after_commit(message.org_id, [event_id])


_presigner: Any = None


def presigned(key: str, seconds: int) -> str:
    """A GET URL of the zip, valid ``seconds``: signed with Signature Version 4 (whose query
    carries ``X-Amz-Expires``, up to seven days), whatever the client's default."""
    global _presigner  # noqa: PLW0603 - one client per execution environment, made on first use
    if _presigner is None:
        import boto3
        from botocore.config import Config

        _presigner = boto3.client("s3", config=Config(signature_version="s3v4", connect_timeout=2))
    url: str = _presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=seconds
    )
    return url


def reset_presigner() -> None:
    """Forget the presigning client (tests that start a new moto mock)."""
    global _presigner  # noqa: PLW0603
    _presigner = None
