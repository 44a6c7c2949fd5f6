"""``Idempotency-Key`` for POST routes, stored in the same transaction as the write.

Within the route's tenant transaction: a per-key advisory lock (a second request with the key
while the first runs gets 409 at once), then the stored response if there is one (same body:
replayed; other body: 422), else the route runs and its response is stored before the commit,
so the write and its record land together or not at all. Keys are scoped to the org and the
credential and kept for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hearth.db import Connection
from hearth.problems import BadRequest, Conflict, Unprocessable

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = "24 hours"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Stored:
    status: int
    headers: dict[str, str]
    body: str | None


def request_hash(method: str, path: str, body: bytes) -> bytes:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).digest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters."
        )
    return key


def begin(conn: Connection, org_id: str, credential: str, key: str, digest: bytes) -> Stored | None:
    """Lock the key for this transaction; return the stored response to replay, if any."""
    locked = conn.execute(
        "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0)) AS ok", (f"{org_id}:{credential}:{key}",)
    ).fetchone()
    if not locked or not locked["ok"]:
        raise Conflict("idempotency_key_in_use", "A request with this Idempotency-Key is still in progress.")
    row = conn.execute(
        "SELECT request_hash, status, headers, body FROM idempotency_keys"
        " WHERE credential = %s AND key = %s AND expires_at > now()",
        (credential, key),
    ).fetchone()
    if row is None:
        return None
    if bytes(row["request_hash"]) != digest:
        raise Unprocessable(
            "idempotency_key_reused", "This Idempotency-Key was used with a different request."
        )
    return Stored(status=row["status"], headers=dict(row["headers"]), body=row["body"])


def save(
    conn: Connection,
    org_id: str,
    credential: str,
    key: str,
    digest: bytes,
    status: int,
    headers: dict[str, str],
    body: Any,
) -> None:
    """Store the response (inside the route's transaction)."""
    conn.execute(
        """
        INSERT INTO idempotency_keys
          (org_id, credential, key, request_hash, status, headers, body, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, now() + %s::interval)
        ON CONFLICT (org_id, credential, key) DO UPDATE SET
          request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, headers = EXCLUDED.headers,
          body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at
        """,
        (
            org_id,
            credential,
            key,
            digest,
            status,
            Jsonb(headers),
            None if body is None else json.dumps(body, separators=(",", ":")),
            TTL,
        ),
    )
