"""Membership as authorization reads it: a user's role in an org, looked up inside that org's
tenant transaction (row-level security shows the org's own members only)::

    role_in(org_id, user_id)   # Role.ADMIN, or None when the user is not a member
    standing_in(org_id, user_id)   # (Role.ADMIN, False): the role, and whether the org is deleted
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


def standing_in(org_id: UUID | str, user_id: UUID | None) -> tuple[Role | None, bool]:
    """The role of ``user_id`` in ``org_id`` and whether the org is deleted (one short tenant
    transaction)."""
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        row = conn.execute(
            "SELECT (SELECT role FROM org_members WHERE user_id = %s) AS role,"
            " (SELECT deleted_at IS NOT NULL FROM orgs) AS deleted",
            (user_id,),
        ).fetchone()
    role = Role(row["role"]) if row and row["role"] else None
    return role, bool(row and row["deleted"])
