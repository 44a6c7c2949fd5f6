"""An org's stored credentials for a provider, opened, for the code that calls the provider on
the org's behalf (a sender, a route that buys a phone number)::

    found = credentials(conn, org_id, "twilio")   # {"account_sid": "AC…", "auth_token": "…"} or None

``conn`` is the org's tenant transaction (row-level security keeps it to the org). The values
are secrets: never log them, never return them.
"""

from __future__ import annotations

from uuid import UUID

from hearth.db import Connection
from hearth.integrations import store
from hearth.integrations.secrets import binding


def credentials(conn: Connection, org_id: UUID, provider: str) -> dict[str, str] | None:
    """Every field of the org's integration with ``provider`` (public and secret), or None when
    the org has not connected it."""
    row = store.get(conn, provider)
    if row is None:
        return None
    values = {str(k): str(v) for k, v in (row["config"] or {}).items()}
    for name, secret in store.sealed_secrets(conn, provider).items():
        values[name] = binding(org_id, provider, name).open(secret["sealed"])
    return values
