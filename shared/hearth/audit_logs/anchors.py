"""The audit chain anchored outside the database.

Whoever can write the database as its owner could rewrite an org's audit chain consistently:
every hash recomputed, the head moved. So every hour :func:`anchor_all` (the AuditAnchor
schedule, system role) writes the head ``(seq, hash)`` of each chain that moved since its last
anchor to an S3 bucket under Object Lock in compliance mode: nobody, the account's root
included, can change or delete an anchor during the retention period (at least the audit
retention). ``GET /v1/audit-logs/verify`` lists the org's anchors (:func:`of_org`) and checks
the chain against every one of them (``hearth.audit.verify_chain``).

One object per anchor, its key naming the org, the row and its hash, so a listing alone is
enough to verify (no object is read)::

    audit-anchors/<org_id>/<seq, 20 digits>-<hash, hex>.json
    {"org_id": "...", "seq": 42, "hash": "9f…", "anchored_at": "2026-12-01T17:00:03+00:00"}

The function that writes may only put objects under that prefix; the verifier may only list it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from hearth import aws, clock, db
from hearth.audit import Anchor
from hearth.observability import logger
from hearth.settings import settings

PREFIX = "audit-anchors/"
#: Heads read (and anchored) per round: one system transaction before, one after the writes.
BATCH = 500
#: Anchors written at once.
WORKERS = 8


def client() -> Any:
    """The S3 client of this execution environment."""
    return aws.client("s3", read_timeout=10)


def reset_client() -> None:
    """Forget the client (tests that start a new moto mock)."""
    aws.reset("s3")


def key(org_id: UUID | str, seq: int, hash_: bytes) -> str:
    return f"{PREFIX}{org_id}/{seq:020d}-{hash_.hex()}.json"


def parse_key(name: str) -> tuple[str, int, bytes] | None:
    """``(org_id, seq, hash)`` of an anchor's key; ``None`` for any other key."""
    if not name.startswith(PREFIX) or not name.endswith(".json"):
        return None
    org, _, rest = name[len(PREFIX) : -len(".json")].partition("/")
    seq, dash, digest = rest.partition("-")
    try:
        return (str(UUID(org)), int(seq), bytes.fromhex(digest)) if dash and seq.isdigit() else None
    except ValueError:
        return None


def configured() -> bool:
    return bool(settings().audit_anchor_bucket)


class AnchorsUnavailable(RuntimeError):
    """The anchors could not be listed (no bucket configured, or S3 refused)."""


def of_org(org_id: UUID | str) -> list[Anchor]:
    """Every anchor of one org's chain, in order of ``seq`` (S3 lists keys in order)."""
    bucket = settings().audit_anchor_bucket
    if not bucket:
        raise AnchorsUnavailable("no anchor bucket is configured")
    found: list[Anchor] = []
    try:
        pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{PREFIX}{org_id}/")
        for page in pages:
            for item in page.get("Contents", []):
                parsed = parse_key(item["Key"])
                if parsed is not None and parsed[0] == str(org_id):
                    found.append(Anchor(parsed[1], parsed[2], item.get("LastModified")))
    except Exception as exc:
        logger.exception("listing the audit anchors failed")
        raise AnchorsUnavailable(f"the anchors could not be listed ({type(exc).__name__})") from exc
    return found


def write(bucket: str, org_id: UUID | str, seq: int, hash_: bytes, at: datetime) -> None:
    """Put one anchor. The bucket's default retention locks it (compliance mode); Object Lock
    needs the body's checksum with the request."""
    body = json.dumps(
        {"org_id": str(org_id), "seq": seq, "hash": hash_.hex(), "anchored_at": at.isoformat()},
        separators=(",", ":"),
    ).encode()
    client().put_object(
        Bucket=bucket,
        Key=key(org_id, seq, hash_),
        Body=body,
        ContentType="application/json",
        ChecksumAlgorithm="SHA256",
    )


@dataclass(frozen=True, slots=True)
class AnchorRun:
    #: Chains whose head moved since their last anchor.
    moved: int
    anchored: int
    failed: int


_MOVED_SQL = """
SELECT h.org_id, h.last_seq, h.last_hash
FROM audit_chain_heads h
LEFT JOIN audit_anchors a ON a.org_id = h.org_id
WHERE h.org_id > %(after)s AND h.last_seq > 0
  AND (a.org_id IS NULL OR a.seq <> h.last_seq OR a.hash <> h.last_hash)
ORDER BY h.org_id
LIMIT %(limit)s
"""

_RECORD_SQL = """
INSERT INTO audit_anchors (org_id, seq, hash, anchored_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (org_id) DO UPDATE
  SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, anchored_at = EXCLUDED.anchored_at
"""


def anchor_all(*, batch: int = BATCH, workers: int = WORKERS) -> AnchorRun:
    """Anchor the head of every chain that moved since its last anchor (system role). A failed
    write is logged and tried again on the next run; the run fails only if nothing could be
    written at all."""
    bucket = settings().audit_anchor_bucket
    if not bucket:
        raise RuntimeError("HEARTH_AUDIT_ANCHOR_BUCKET is not set")
    moved = anchored = failed = 0
    after = UUID(int=0)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-anchor") as pool:
        while True:
            with db.system_transaction() as conn:
                heads = conn.execute(_MOVED_SQL, {"after": after, "limit": batch}).fetchall()
            if not heads:
                break
            after = heads[-1]["org_id"]
            moved += len(heads)
            at = clock.now()

            def put(head: dict[str, Any], at: datetime = at) -> bool:
                try:
                    write(bucket, head["org_id"], head["last_seq"], bytes(head["last_hash"]), at)
                except Exception:
                    logger.exception("writing an audit anchor failed", extra={"org_id": str(head["org_id"])})
                    return False
                return True

            done: Sequence[dict[str, Any]] = [
                h for h, ok in zip(heads, pool.map(put, heads), strict=True) if ok
            ]
            failed += len(heads) - len(done)
            if done:
                with db.system_transaction() as conn, conn.cursor() as cur:
                    cur.executemany(
                        _RECORD_SQL, [(h["org_id"], h["last_seq"], bytes(h["last_hash"]), at) for h in done]
                    )
            anchored += len(done)
            if len(heads) < batch:
                break
    if moved:
        logger.info("audit anchors", extra={"moved": moved, "anchored": anchored, "failed": failed})
    if failed and not anchored:
        raise RuntimeError(f"no audit anchor could be written ({failed} failed)")
    return AnchorRun(moved=moved, anchored=anchored, failed=failed)
