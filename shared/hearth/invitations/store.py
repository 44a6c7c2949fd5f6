"""Data access for invitations (never reads or returns the token's hash to callers)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.rbac import Role

STATUS = (
    "(CASE WHEN r.accepted_at IS NOT NULL THEN 'accepted' WHEN r.revoked_at IS NOT NULL THEN 'revoked'"
    " WHEN r.expires_at <= now() THEN 'expired' ELSE 'pending' END)"
)
_COLUMNS = (
    "r.id, r.email, r.role, r.invited_by, r.created_at, r.expires_at, r.revoked_at, r.accepted_at,"
    f" r.accepted_by, {STATUS} AS status"
)

#: ``GET /v1/invitations``: newest first; every outcome (filter by ``status``).
LISTING = Listing(
    select=f"SELECT {_COLUMNS} FROM invitations r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("email", "text", sortable=True, nullable=False),
        Field("role", "choice", choices=tuple(r.value for r in Role), nullable=False),
        Field(
            "status",
            "choice",
            column=STATUS,
            choices=("pending", "accepted", "revoked", "expired"),
            nullable=False,
        ),
        Field("invited_by", "uuid", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("expires_at", "datetime", sortable=True, nullable=False),
        Field("revoked_at", "datetime", sortable=True),
        Field("accepted_at", "datetime", sortable=True),
        Field("accepted_by", "uuid"),
    ),
    search=("r.email",),
    default_sort="-created_at",
    soft_delete=False,
    search_label="invited addresses",
)


def insert(
    conn: Connection, *, email: str, role: Role, token_hash: bytes, invited_by: UUID
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        WITH r AS (
          INSERT INTO invitations (org_id, email, role, token_hash, invited_by)
          VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s, %s)
          RETURNING *
        )
        SELECT {_COLUMNS} FROM r
        """,
        (email, role.value, token_hash, invited_by),
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, invitation_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM invitations r WHERE r.id = %s" + (" FOR UPDATE" if lock else ""),
        (invitation_id,),
    ).fetchone()


def by_token(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """The invitation of a token (this org's only, by row-level security), locked."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM invitations r WHERE r.token_hash = %s FOR UPDATE", (token_hash,)
    ).fetchone()


def pending_for(conn: Connection, email: str) -> list[UUID]:
    """Pending (unexpired, unrevoked, unaccepted) invitations of ``email``, locked."""
    rows = conn.execute(
        "SELECT id FROM invitations WHERE lower(email) = lower(%s) AND accepted_at IS NULL"
        " AND revoked_at IS NULL AND expires_at > now() FOR UPDATE",
        (email,),
    ).fetchall()
    return [r["id"] for r in rows]


def revoke(conn: Connection, invitation_id: UUID) -> None:
    conn.execute(
        "UPDATE invitations SET revoked_at = now()"
        " WHERE id = %s AND revoked_at IS NULL AND accepted_at IS NULL",
        (invitation_id,),
    )


def accept(conn: Connection, invitation_id: UUID, user_id: UUID) -> None:
    conn.execute(
        "UPDATE invitations SET accepted_at = now(), accepted_by = %s WHERE id = %s", (user_id, invitation_id)
    )


def member_with_email(conn: Connection, email: str) -> bool:
    """Whether a member of this org holds ``email`` (members' addresses are visible in the org)."""
    row = conn.execute(
        "SELECT 1 FROM org_members m JOIN users u ON u.id = m.user_id WHERE lower(u.email) = lower(%s)",
        (email,),
    ).fetchone()
    return row is not None


def member_role(conn: Connection, user_id: UUID) -> str | None:
    row = conn.execute("SELECT role FROM org_members WHERE user_id = %s", (user_id,)).fetchone()
    return None if row is None else str(row["role"])


def verified_email(conn: Connection) -> str | None:
    """The calling user's verified email (the app role sees its own user row)."""
    row = conn.execute(
        "SELECT email FROM users WHERE id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)"
    ).fetchone()
    return None if row is None else row["email"]
