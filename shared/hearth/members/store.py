"""Data access for org members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.rbac import Role

_SELECT = """
SELECT r.user_id, u.email, u.name, r.role, r.created_at, r.updated_at, r.version
FROM org_members r JOIN users u ON u.id = r.user_id
"""

#: ``GET /v1/members``: oldest first; a member's key is their user id.
LISTING = Listing(
    select=_SELECT,
    fields=(
        Field("user_id", "uuid", nullable=False),
        Field("email", "text", column="u.email", sortable=True),
        Field("name", "text", column="u.name", sortable=True),
        Field("role", "choice", choices=tuple(r.value for r in Role), nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("updated_at", "datetime", sortable=True, nullable=False),
    ),
    search=("u.name", "u.email"),
    default_sort="created_at",
    soft_delete=False,
    key="user_id",
)


def lock_org(conn: Connection) -> None:
    """Lock the org's row (row-level security shows only the transaction's org): membership
    changes of one org take turns.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every insert in the org checks its foreign key to
    the org with a key-share lock, which ``FOR UPDATE`` blocks. A write that had appended its audit
    row (holding the org's chain head) and then inserted another row would wait for a membership
    change that waits for the chain head: a deadlock. The lock order in an org is: the org row
    (membership and org changes only), the rows a write changes, then the audit chain head."""
    conn.execute("SELECT 1 FROM orgs FOR NO KEY UPDATE")


def insert(conn: Connection, user_id: UUID, role: Role) -> None:
    conn.execute(
        "INSERT INTO org_members (org_id, user_id, role)"
        " VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s)",
        (user_id, role.value),
    )


def get(conn: Connection, user_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        _SELECT + " WHERE r.user_id = %s" + (" FOR NO KEY UPDATE OF r" if lock else ""), (user_id,)
    ).fetchone()


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
