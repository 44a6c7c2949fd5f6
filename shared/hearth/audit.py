"""The append-only, hash-chained audit log.

A row is written in the same transaction as the change it records. The database chains it: a
trigger serialises inserts per org, numbers them (``seq``) and stores
``hash = sha256(prev_hash || row)``; :func:`verify_chain` recomputes every link::

    audit.record(conn, org_id=org, actor=("user", uid), action="api_key.create",
                 resource_type="api_key", resource_id=key_id, changes={"name": "ci"})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.db import Connection

#: Field names whose values never reach the audit log.
SECRET_FIELDS = frozenset(
    {"secret", "token", "password", "key_hash", "api_key", "access_token", "refresh_token", "signing_secret"}
)
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Where a change came from."""

    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


def redact(changes: dict[str, Any] | None) -> dict[str, Any] | None:
    """Copy of ``changes`` with secret-looking fields replaced, recursively."""
    if changes is None:
        return None

    def clean(value: Any, key: str = "") -> Any:
        if key.lower() in SECRET_FIELDS or key.lower().endswith(("_secret", "_token", "_password")):
            return REDACTED
        if isinstance(value, dict):
            return {k: clean(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned: dict[str, Any] = clean(changes)
    return cleaned


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: {"from": old, "to": new}}`` for the fields that changed."""
    return {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    conn: Connection,
    *,
    org_id: UUID | str,
    actor: tuple[str, str | None],
    action: str,
    resource_type: str,
    resource_id: object = None,
    changes: dict[str, Any] | None = None,
    meta: RequestMeta | None = None,
) -> None:
    """Append one audit row (inside the caller's transaction)."""
    meta = meta or RequestMeta()
    conn.execute(
        """
        INSERT INTO audit_logs (org_id, actor_type, actor_id, action, resource_type, resource_id,
                                ip, user_agent, request_id, changes)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            str(org_id),
            actor[0],
            actor[1],
            action,
            resource_type,
            None if resource_id is None else str(resource_id),
            meta.ip,
            (meta.user_agent or "")[:512] or None,
            meta.request_id,
            Jsonb(redact(changes)) if changes is not None else None,
        ),
    )


@dataclass(frozen=True, slots=True)
class ChainReport:
    valid: bool
    rows_checked: int
    first_invalid_seq: int | None = None
    reason: str | None = None


def verify_chain(conn: Connection) -> ChainReport:
    """Check every link of the current org's chain (RLS scopes the rows to the org)."""
    checked = 0
    expected_prev = b""
    expected_seq = 1
    with conn.cursor(name="audit_chain_verify") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT seq, prev_hash, hash, audit_row_hash(a) AS recomputed FROM audit_logs a ORDER BY seq"
        )
        for row in cur:
            checked += 1
            seq = row["seq"]
            if seq != expected_seq:
                return ChainReport(False, checked, seq, f"expected seq {expected_seq}, found {seq}")
            if bytes(row["prev_hash"]) != expected_prev:
                return ChainReport(False, checked, seq, "prev_hash does not match the previous row")
            if bytes(row["hash"]) != bytes(row["recomputed"]):
                return ChainReport(False, checked, seq, "row content does not match its hash")
            expected_prev = bytes(row["hash"])
            expected_seq = seq + 1
    head = conn.execute("SELECT last_seq, last_hash FROM audit_chain_heads").fetchone()
    if head is not None and (
        head["last_seq"] != expected_seq - 1 or bytes(head["last_hash"]) != expected_prev
    ):
        return ChainReport(False, checked, head["last_seq"], "rows are missing at the end of the chain")
    return ChainReport(True, checked)
