"""Cursor pagination over a stable sort with ``id`` as the tie-breaker.

A cursor is the sort key of the last row of a page, encoded; it is opaque to clients and only
ever used as bound parameters (RLS still scopes every row)::

    page = Page[Member](data=rows[:limit], next_cursor=encode_cursor([last["created_at"], last["id"]]))
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from hearth.problems import invalid

T = TypeVar("T")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
#: Longest cursor decoded (ours are far shorter); anything longer was not made here.
MAX_CURSOR_LENGTH = 8192
#: The range of a PostgreSQL bigint, the widest integer a cursor binds.
_BIGINT = (-(2**63), 2**63 - 1)

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


def _not_ours() -> Exception:
    return invalid("cursor", "Not a cursor returned by this list.", "invalid_cursor", "query")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The sort key in ``cursor`` as JSON values (check their types before binding them, or use
    :func:`decode_typed_cursor`); a 422 naming ``cursor`` when it is not one of ours."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _not_ours()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw, object_hook=_hook)
    except (ValueError, TypeError, RecursionError, binascii.Error):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise _not_ours()
    return values


def cursor_value(kind: type, value: Any) -> Any:
    """``value`` from a cursor as ``kind`` (datetime, UUID, str or int), checked so that it binds
    as what the query compares it with; ``ValueError`` when it cannot be one."""
    if kind is datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise ValueError("not a time")
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if kind is UUID:
        if not isinstance(value, str):
            raise ValueError("not an id")
        return UUID(value)
    if kind is str:
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError("not text")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not _BIGINT[0] <= value <= _BIGINT[1]:
            raise ValueError("not an integer")
        return value
    raise TypeError(f"cursors do not carry {kind.__name__}")


def decode_typed_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key in ``cursor``, one value of each of ``kinds`` (datetime, UUID, str, int), never
    empty; a 422 naming ``cursor`` when it is not one of ours::

        created_at, delivery_id = decode_typed_cursor(cursor, (datetime, UUID))
    """
    values = decode_cursor(cursor, len(kinds))
    try:
        return [cursor_value(kind, value) for kind, value in zip(kinds, values, strict=True)]
    except (ValueError, OverflowError) as exc:
        raise _not_ours() from exc


def paginate(
    rows: list[dict[str, Any]], limit: int, key: tuple[str, ...]
) -> tuple[list[dict[str, Any]], str | None]:
    """Split ``limit + 1`` fetched rows into a page and the next cursor."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor([page[-1][k] for k in key])
