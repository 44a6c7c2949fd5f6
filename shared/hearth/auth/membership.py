"""Membership as authorization reads it: a user's role in an org, looked up inside that org's
tenant transaction (row-level security shows the org's own members only)::

    role_in(org_id, user_id)   # Role.ADMIN, or None when the user is not a member
"""

from __future__ import annotations

from uuid import UUID

from hearth import db
from hearth.rbac import Role


def role_of(conn: db.Connection, user_id: UUID | None) -> Role | None:
    """The role of ``user_id`` in the org of the open tenant transaction ``conn``."""
    if user_id is None:
        return None
    row = conn.execute("SELECT role FROM org_members WHERE user_id = %s", (user_id,)).fetchone()
    return Role(row["role"]) if row else None


def role_in(org_id: UUID | str, user_id: UUID | None) -> Role | None:
    """The role of ``user_id`` in ``org_id`` (its own short tenant transaction)."""
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        return role_of(conn, user_id)
