"""Reading audit rows: ``GET /v1/audit-logs``, newest first (``seq`` descending)."""

from __future__ import annotations

from hearth.listing import Alias, Field, Listing, time_window

_COLUMNS = (
    "id, seq, occurred_at, actor_type, actor_id, action, resource_type, resource_id, ip, user_agent,"
    " request_id, changes, encode(hash, 'hex') AS hash"
)

LISTING = Listing(
    select=f"SELECT {_COLUMNS} FROM audit_logs r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("seq", "int", sortable=True, nullable=False),
        Field("occurred_at", "datetime", sortable=True, nullable=False),
        Field("actor_type", "choice", choices=("user", "api_key", "system"), nullable=False),
        Field("actor_id", "text"),
        Field("action", "text", nullable=False, prefix=True),
        Field("resource_type", "text", nullable=False),
        Field("resource_id", "text"),
        Field("request_id", "text"),
    ),
    default_sort="-seq",
    soft_delete=False,
    # The plain parameters the route took before the list syntax.
    aliases={
        "action": Alias("action", description="Exact action, like `api_key.create`."),
        "actor_id": Alias("actor_id", description="A user or API key id."),
        "resource_type": Alias("resource_type"),
        "resource_id": Alias("resource_id"),
        **time_window("occurred_at"),
    },
)
