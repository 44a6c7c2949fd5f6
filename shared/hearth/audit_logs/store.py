"""Data access for reading audit rows, newest first (``seq`` descending)."""

from __future__ import annotations

from typing import Any

from hearth.audit_logs.models import AuditFilter
from hearth.db import Connection

_COLUMNS = (
    "id, seq, occurred_at, actor_type, actor_id, action, resource_type, resource_id, ip, user_agent,"
    " request_id, changes, encode(hash, 'hex') AS hash"
)


def page(conn: Connection, filters: AuditFilter, limit: int, before_seq: int | None) -> list[dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    for column in ("action", "actor_id", "resource_type", "resource_id"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"{column} = %({column})s")
            params[column] = value
    if filters.since is not None:
        clauses.append("occurred_at >= %(since)s")
        params["since"] = filters.since
    if filters.until is not None:
        clauses.append("occurred_at < %(until)s")
        params["until"] = filters.until
    if before_seq is not None:
        clauses.append("seq < %(before)s")
        params["before"] = before_seq
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM audit_logs{where} ORDER BY seq DESC LIMIT %(limit)s", params
    ).fetchall()
