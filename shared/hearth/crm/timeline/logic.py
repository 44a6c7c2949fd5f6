"""Timeline reads: the record must be live; ``types`` narrows the sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hearth.crm.timeline import store
from hearth.crm.timeline.models import ITEM_TYPES, TimelineItem
from hearth.http import Page, RequestContext
from hearth.http.pagination import decode_cursor, encode_cursor
from hearth.problems import NotFound, invalid
from hearth.records.resource import Resource


def _types(types: str | None) -> list[str]:
    if not types:
        return list(ITEM_TYPES)
    chosen = [t.strip() for t in types.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in ITEM_TYPES]
    if unknown or not chosen:
        raise invalid("types", f"Comma-separated, from: {', '.join(ITEM_TYPES)}.", "invalid_types", "query")
    return list(dict.fromkeys(chosen))


def _after(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    raw = decode_cursor(cursor, 3)
    try:
        at, kind, ident = datetime.fromisoformat(raw[0]), str(raw[1]), UUID(raw[2])
    except (TypeError, ValueError) as exc:
        raise invalid("cursor", "Not a cursor returned by this list.", "invalid_cursor", "query") from exc
    if kind not in ITEM_TYPES:
        raise invalid("cursor", "Not a cursor returned by this list.", "invalid_cursor", "query")
    return [at, kind, ident]


def timeline(
    ctx: RequestContext,
    parent: Resource[Any],
    column: str,
    record_id: UUID,
    *,
    limit: int,
    cursor: str | None,
    types: str | None,
) -> Page[TimelineItem]:
    """The timeline of ``parent``'s record ``record_id`` (``column`` links the sources to it)."""
    if parent.row(ctx, record_id) is None:
        raise NotFound(parent.name, record_id)
    rows = store.page(ctx.db, column, record_id, _types(types), limit, _after(cursor))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([last["occurred_at"].isoformat(), last["type"], str(last["id"])])
    return Page[TimelineItem](data=[TimelineItem.model_validate(r) for r in rows], next_cursor=next_cursor)
