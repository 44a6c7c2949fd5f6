"""``Idempotency-Key`` for POST routes, stored in the same transaction as the write.

Within the route's tenant transaction: a per-key advisory lock (a second request with the key
while the first runs gets 409 at once), then the stored response if there is one (same body:
replayed; other body: 422), else the route runs and its response is stored before the commit,
so the write and its record land together or not at all. Keys are scoped to the org and the
credential and kept for 24 hours. The reply of a route that reveals a secret is stored sealed
(envelope encryption, bound to the org and the key), never in plain text.
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
        "SELECT request_hash, status, headers, body, body_sealed FROM idempotency_keys"
        " WHERE credential = %s AND key = %s AND expires_at > now()",
        (credential, key),
    ).fetchone()
    if row is None:
        return None
    if bytes(row["request_hash"]) != digest:
        raise Unprocessable(
            "idempotency_key_reused", "This Idempotency-Key was used with a different request."
        )
    body = row["body"]
    if row["body_sealed"] is not None:
        from hearth import crypto

        body = crypto.open_sealed(bytes(row["body_sealed"]), _seal_context(org_id, credential, key)).decode()
    return Stored(status=row["status"], headers=dict(row["headers"]), body=body)


def _seal_context(org_id: str, credential: str, key: str) -> dict[str, str]:
    digest = hashlib.sha256(f"{credential}\n{key}".encode()).hexdigest()
    return {"org_id": org_id, "purpose": "idempotent_reply", "key": digest}


def save(
    conn: Connection,
    org_id: str,
    credential: str,
    key: str,
    digest: bytes,
    status: int,
    headers: dict[str, str],
    body: Any,
    *,
    sealed: bool = False,
) -> None:
    """Store the response (inside the route's transaction); ``sealed`` for replies that carry a
    secret."""
    text = None if body is None else json.dumps(body, separators=(",", ":"))
    blob = None
    if sealed and text is not None:
        from hearth import crypto

        blob, text = crypto.seal(text.encode(), _seal_context(org_id, credential, key)), None
    conn.execute(
        """
        INSERT INTO idempotency_keys
          (org_id, credential, key, request_hash, status, headers, body, body_sealed, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now() + %s::interval)
        ON CONFLICT (org_id, credential, key) DO UPDATE SET
          request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, headers = EXCLUDED.headers,
          body = EXCLUDED.body, body_sealed = EXCLUDED.body_sealed, created_at = now(),
          expires_at = EXCLUDED.expires_at
        """,
        (org_id, credential, key, digest, status, Jsonb(headers), text, blob, TTL),
    )
