"""Reading the org's event log (admins and owners: events span every resource type)."""

from __future__ import annotations

from uuid import UUID

from hearth.events import store
from hearth.events.models import Event, EventFilter
from hearth.events.types import is_pattern
from hearth.http import Page, RequestContext
from hearth.http.pagination import decode_cursor, paginate
from hearth.problems import NotFound, invalid


def list_events(ctx: RequestContext, filters: EventFilter, limit: int, cursor: str | None) -> Page[Event]:
    if filters.type is not None and not is_pattern(filters.type):
        raise invalid("type", "An event type like `deal.won`, or a wildcard like `deal.*`.", location="query")
    before = decode_cursor(cursor, 2) if cursor else None
    rows, next_cursor = paginate(store.page(ctx.db, filters, limit, before), limit, ("occurred_at", "id"))
    return Page[Event](data=[Event(**r) for r in rows], next_cursor=next_cursor)


def get_event(ctx: RequestContext, event_id: UUID) -> Event:
    row = store.get(ctx.db, event_id)
    if row is None:
        raise NotFound("event", event_id)
    return Event(**row)
