"""The append-only, hash-chained audit log.

A row is written in the same transaction as the change it records. The inserter names only what
happened (action, resource, changes); the database fills in the rest: a trigger stamps the time
(``clock_timestamp()``), takes who and from where (actor, IP, user agent, request id) from the
transaction's audit context, serialises inserts per org, numbers them (``seq``) and stores
``hash = sha256(prev_hash || row)``; :func:`verify_chain` recomputes every link.

The route kit binds the context when it opens a route's transaction (from the authenticated
principal and the request), so route code cannot attribute a row to anyone else. Code that opens
its own transaction (org creation, ``hearth seed``) names the actor, which binds it first::

    ctx.audit("api_key.create", "api_key", key_id, changes={"name": "ci"})   # in a route
    audit.record(conn, org_id=org, actor=("user", uid), action="org.create",
                 resource_type="org", resource_id=org, meta=request.meta)  # elsewhere
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.db import Connection

#: Field names whose values never reach the audit log.
SECRET_FIELDS = frozenset(
    {"secret", "token", "password", "key_hash", "api_key", "access_token", "refresh_token", "signing_secret"}
)
REDACTED = "[redacted]"
#: The longest user agent an audit row keeps.
MAX_USER_AGENT = 512
#: The transaction-local setting the audit trigger reads the actor and request from.
CONTEXT_SETTING = "app.audit_context"
_BIND_SQL = f"SELECT set_config('{CONTEXT_SETTING}', %s, true)"


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


def context(actor: tuple[str, str | None], meta: RequestMeta | None = None) -> str:
    """The audit context of a transaction (the value of ``app.audit_context``): who acts, and
    the request they act through."""
    meta = meta or RequestMeta()
    return json.dumps(
        {
            "actor_type": actor[0],
            "actor_id": actor[1],
            "ip": meta.ip,
            "user_agent": (meta.user_agent or "")[:MAX_USER_AGENT] or None,
            "request_id": meta.request_id,
        },
        separators=(",", ":"),
    )


def bind(conn: Connection, actor: tuple[str, str | None], meta: RequestMeta | None = None) -> None:
    """Set the audit context for the rest of ``conn``'s transaction."""
    conn.execute(_BIND_SQL, (context(actor, meta),))


def record(
    conn: Connection,
    *,
    org_id: UUID | str,
    action: str,
    resource_type: str,
    resource_id: object = None,
    changes: dict[str, Any] | None = None,
    actor: tuple[str, str | None] | None = None,
    meta: RequestMeta | None = None,
) -> None:
    """Append one audit row (inside the caller's transaction). The actor and request come from
    the transaction's audit context; naming ``actor`` (with ``meta``) binds that context first,
    in the same round trip."""
    insert = (
        "INSERT INTO audit_logs (org_id, action, resource_type, resource_id, changes)"
        " VALUES (%s, %s, %s, %s, %s)"
    )
    params = (
        str(org_id),
        action,
        resource_type,
        None if resource_id is None else str(resource_id),
        Jsonb(redact(changes)) if changes is not None else None,
    )
    if actor is None:
        conn.execute(insert, params)
        return
    with conn.pipeline():
        bind(conn, actor, meta)
        conn.execute(insert, params)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain head written outside the database (``hearth.audit_logs.anchors``): row ``seq`` of
    the org's chain had ``hash`` when it was anchored."""

    seq: int
    hash: bytes
    anchored_at: datetime | None = None

    def describe(self) -> str:
        when = f" written {self.anchored_at.isoformat(timespec='seconds')}" if self.anchored_at else ""
        return f"the anchor{when} of row {self.seq}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    valid: bool
    rows_checked: int
    first_invalid_seq: int | None = None
    reason: str | None = None
    #: The anchors the chain was checked against and matched, in order of ``seq``.
    matched: tuple[Anchor, ...] = ()
    #: The anchor the chain contradicts, when that is what made it invalid.
    contradicted: Anchor | None = None
    #: The last row purged after its retention (``audit_checkpoints``): the check starts after it.
    purged_through: int = 0


def _link_problem(row: dict[str, Any], expected_seq: int, expected_prev: bytes) -> str | None:
    """What is wrong with one row as the next link of the chain, if anything."""
    if row["seq"] != expected_seq:
        return f"expected seq {expected_seq}, found {row['seq']}"
    if bytes(row["prev_hash"]) != expected_prev:
        return "prev_hash does not match the previous row"
    if bytes(row["hash"]) != bytes(row["recomputed"]):
        return "row content does not match its hash"
    return None


def verify_chain(conn: Connection, anchors: Iterable[Anchor] = ()) -> ChainReport:
    """Check every link of the current org's chain (RLS scopes the rows to the org), and that
    it still holds every anchor of ``anchors``: a chain rewritten consistently (every hash
    recomputed, the head moved) passes its own links but not an anchor written before. The
    check starts after the org's purge checkpoint, if any (rows purged after their retention);
    anchors of purged rows are not counted, except one of the checkpoint's row itself."""
    due: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        due.setdefault(anchor.seq, []).append(anchor)
    matched: list[Anchor] = []
    checked = 0
    expected_prev = b""
    expected_seq = 1
    # Rows purged after their retention left a checkpoint: the first remaining row follows it,
    # and an anchor of a purged row can only be compared with the checkpoint's own row.
    checkpoint = conn.execute("SELECT seq, hash FROM audit_checkpoints").fetchone()
    purged_through = 0 if checkpoint is None else int(checkpoint["seq"])

    def broken(seq: int | None, reason: str, contradicted: Anchor | None = None) -> ChainReport:
        return ChainReport(False, checked, seq, reason, tuple(matched), contradicted, purged_through)

    if checkpoint is not None:
        expected_seq, expected_prev = purged_through + 1, bytes(checkpoint["hash"])
        for seq in sorted(s for s in due if s <= purged_through):
            for anchor in due.pop(seq):
                if seq < purged_through:
                    continue  # the row is gone; the checkpoint vouches for the prefix
                if anchor.hash != expected_prev:
                    return broken(
                        seq,
                        f"the purge checkpoint at row {seq} does not match {anchor.describe()}",
                        anchor,
                    )
                matched.append(anchor)

    with conn.cursor(name="audit_chain_verify") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT seq, prev_hash, hash, audit_row_hash(a) AS recomputed FROM audit_logs a ORDER BY seq"
        )
        for row in cur:
            checked += 1
            seq = row["seq"]
            problem = _link_problem(row, expected_seq, expected_prev)
            if problem is not None:
                return broken(seq, problem)
            for anchor in due.pop(seq, ()):
                if anchor.hash != bytes(row["hash"]):
                    since = matched[-1].seq + 1 if matched else 1
                    return broken(
                        since,
                        f"row {seq} does not match {anchor.describe()}: rows {since} to {seq}"
                        " were rewritten after they were anchored",
                        anchor,
                    )
                matched.append(anchor)
            expected_prev = bytes(row["hash"])
            expected_seq = seq + 1
    head = conn.execute("SELECT last_seq, last_hash FROM audit_chain_heads").fetchone()
    if head is not None and (
        head["last_seq"] != expected_seq - 1 or bytes(head["last_hash"]) != expected_prev
    ):
        return broken(head["last_seq"], "rows are missing at the end of the chain")
    if due:
        beyond = due[min(due)][0]
        return broken(
            expected_seq,
            f"the chain ends at row {expected_seq - 1}, but {beyond.describe()} says it had"
            f" {beyond.seq} rows: rows were removed",
            beyond,
        )
    return ChainReport(True, checked, matched=tuple(matched), purged_through=purged_through)
