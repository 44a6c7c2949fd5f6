"""Data access for org members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.rbac import Role

_SELECT = """
SELECT m.user_id, u.email, u.name, m.role, m.created_at, m.updated_at, m.version
FROM org_members m JOIN users u ON u.id = m.user_id
"""


def insert(conn: Connection, user_id: UUID, role: Role) -> None:
    conn.execute(
        "INSERT INTO org_members (org_id, user_id, role)"
        " VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s)",
        (user_id, role.value),
    )


def get(conn: Connection, user_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        _SELECT + " WHERE m.user_id = %s" + (" FOR UPDATE OF m" if lock else ""), (user_id,)
    ).fetchone()


def page(conn: Connection, limit: int, after: list[Any] | None) -> list[dict[str, Any]]:
    where = ""
    params: dict[str, Any] = {"limit": limit + 1}
    if after:
        where = " WHERE (m.created_at, m.user_id) > (%(at)s, %(id)s)"
        params.update(at=after[0], id=after[1])
    return conn.execute(
        _SELECT + where + " ORDER BY m.created_at, m.user_id LIMIT %(limit)s", params
    ).fetchall()


def set_role(conn: Connection, user_id: UUID, role: Role, version: int) -> bool:
    cur = conn.execute(
        "UPDATE org_members SET role = %s WHERE user_id = %s AND version = %s", (role.value, user_id, version)
    )
    return cur.rowcount == 1


def delete(conn: Connection, user_id: UUID) -> bool:
    return conn.execute("DELETE FROM org_members WHERE user_id = %s", (user_id,)).rowcount == 1


def count_owners(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM org_members WHERE role = 'owner'").fetchone()
    return int(row["n"]) if row else 0
