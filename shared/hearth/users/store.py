"""Finding a user who is not (yet) in the current org: a cross-tenant read, so it runs as the
system role, in this one named function."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth import db


def find_for_membership(*, user_id: UUID | None = None, email: str | None = None) -> dict[str, Any] | None:
    """The user with ``user_id`` or ``email`` (case-insensitive): id, email and name only."""
    with db.system_transaction() as conn:
        if user_id is not None:
            row = conn.execute("SELECT id, email, name FROM users WHERE id = %s", (user_id,)).fetchone()
        else:
            row = conn.execute(
                "SELECT id, email, name FROM users WHERE lower(email) = lower(%s)", (email,)
            ).fetchone()
    return row
