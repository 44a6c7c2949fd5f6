"""Cursor pagination over a stable sort with ``id`` as the tie-breaker.

A cursor is the sort key of the last row of a page, encoded; it is opaque to clients and only
ever used as bound parameters (RLS still scopes every row)::

    page = Page[Member](data=rows[:limit], next_cursor=encode_cursor([last["created_at"], last["id"]]))
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from hearth.problems import invalid

T = TypeVar("T")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50

#: Query parameters every list route takes.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


class Page(BaseModel, Generic[T]):
    """A page of a list: ``data`` plus the cursor of the next page (``null`` on the last)."""

    data: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to fetch the next page.")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _hook(obj: dict[str, Any]) -> Any:
    if set(obj) == {"$dt"}:
        return datetime.fromisoformat(obj["$dt"])
    return obj


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=_default, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The sort key in ``cursor``; a 422 naming ``cursor`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw, object_hook=_hook)
    except (ValueError, TypeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise invalid("cursor", "Not a cursor returned by this list.", "invalid_cursor", "query")
    return values


def paginate(
    rows: list[dict[str, Any]], limit: int, key: tuple[str, ...]
) -> tuple[list[dict[str, Any]], str | None]:
    """Split ``limit + 1`` fetched rows into a page and the next cursor."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor([page[-1][k] for k in key])
