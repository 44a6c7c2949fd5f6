"""Reading the org's event log (admins and owners: events span every resource type).

The list is declared here, not in the store: the webhook fan-out reads events through the store
and should not load the list engine at cold start.
"""

from __future__ import annotations

from uuid import UUID

from hearth.events import store
from hearth.events.models import Event
from hearth.events.types import PATTERN as TYPE_PATTERN
from hearth.events.types import is_pattern, like_pattern
from hearth.http import RequestContext
from hearth.listing import Alias, Field, Listing, time_window
from hearth.problems import NotFound


def _type_filter(pattern: str) -> tuple[str, str] | None:
    """``?type=``: an exact type (``deal.won``) is ``eq``, a wildcard (``deal.*``) ``starts_with``,
    ``*`` no condition."""
    if not is_pattern(pattern):
        raise ValueError("give an event type like `deal.won`, or a wildcard like `deal.*`")
    value, prefix = like_pattern(pattern)
    if not prefix:
        return "eq", value
    return ("starts_with", value) if value else None


#: ``GET /v1/events``: newest first.
LISTING = Listing(
    select=store.LIST_SELECT,
    fields=(
        Field("id", "uuid", nullable=False),
        Field("type", "text", nullable=False, prefix=True),
        Field("occurred_at", "datetime", sortable=True, nullable=False),
        Field("actor_type", "choice", choices=("user", "api_key", "system"), nullable=False),
        Field("actor_id", "text"),
        Field("resource_type", "text", nullable=False),
        Field("resource_id", "text"),
        Field("request_id", "text"),
    ),
    default_sort="-occurred_at",
    soft_delete=False,
    # The plain parameters the route took before the list syntax.
    aliases={
        "type": Alias(
            "type",
            translate=_type_filter,
            description="Exact type (`deal.won`) or a wildcard (`deal.*`).",
            pattern=TYPE_PATTERN.pattern.removeprefix("^").removesuffix("$"),
            max_length=100,
        ),
        "resource_type": Alias("resource_type", description="Like `company`."),
        "resource_id": Alias("resource_id"),
        **time_window("occurred_at"),
    },
)


def get_event(ctx: RequestContext, event_id: UUID) -> Event:
    row = store.get(ctx.db, event_id)
    if row is None:
        raise NotFound("event", event_id)
    return Event(**row)
