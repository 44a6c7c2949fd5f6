"""What a list is made of: its fields and their kinds, operators and values, plain-parameter
aliases, a parsed query, and the query parameters every list route declares."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from psycopg import sql
from pydantic import BaseModel

from hearth.http.pagination import cursor_value
from hearth.problems import Unprocessable, field_error

Kind = Literal["text", "int", "bool", "uuid", "date", "datetime", "choice", "tags", "json"]
Op = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "is_null"]
M = TypeVar("M", bound=BaseModel)

_COMPARE: frozenset[str] = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "in", "is_null"})
OPS: dict[Kind, frozenset[str]] = {
    "text": _COMPARE | {"contains"},
    "int": _COMPARE,
    "date": _COMPARE,
    "datetime": _COMPARE,
    "bool": frozenset({"eq", "ne", "is_null"}),
    "uuid": frozenset({"eq", "ne", "in", "is_null"}),
    "choice": frozenset({"eq", "ne", "in", "is_null"}),
    "tags": frozenset({"contains", "in", "is_null"}),
    "json": frozenset({"eq", "ne", "in", "contains", "is_null"}),
}
OP_ALIASES = {"ilike": "contains"}
#: (is a tags field, op) -> the condition, ``{}`` being the field's expression.
CONDITIONS: dict[tuple[bool, str], str] = {
    (False, "eq"): "{} = %s",
    (False, "ne"): "{} IS DISTINCT FROM %s",
    (False, "lt"): "{} < %s",
    (False, "lte"): "{} <= %s",
    (False, "gt"): "{} > %s",
    (False, "gte"): "{} >= %s",
    (False, "in"): "{} = ANY(%s)",
    (False, "contains"): "{} ILIKE %s",
    (False, "starts_with"): "{} LIKE %s",
    (True, "contains"): "{} @> %s::text[]",
    (True, "in"): "{} && %s::text[]",
}

MAX_FILTERS = 20
MAX_IN_VALUES = 100
MAX_SORT_FIELDS = 3
MAX_VALUE_LENGTH = 500
FILTER_PARAM = re.compile(r"^filter\[([A-Za-z0-9_.]{1,80})\](?:\[([a-z_]{1,20})\])?$")
JSON_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

#: Query parameters of every list route (next to ``Limit`` and ``Cursor``).
Sort = Annotated[
    str | None,
    Query(max_length=200, description="Comma-separated fields, `-` for descending, e.g. `-amount,name`."),
]
Search = Annotated[
    str | None, Query(max_length=200, description="Case-insensitive text search over names and emails.")
]
IncludeDeleted = Annotated[
    bool, Query(description="Admins and owners: include soft-deleted records (see `deleted_at`).")
]


def query_problem(param: str, message: str, code: str) -> Unprocessable:
    return Unprocessable(
        "validation_failed",
        "The request has invalid fields.",
        errors=[field_error(param, message, code, "query")],
    )


@dataclass(frozen=True, slots=True)
class Field:
    """One filterable (and maybe sortable) field of a list.

    ``column`` is an SQL expression over the row alias ``r`` (default ``r.<name>``). ``exists``
    makes a link filter: an SQL subquery with one ``{}`` for the array of values, e.g.
    ``"SELECT 1 FROM task_links l WHERE l.task_id = r.id AND l.company_id = ANY({})"``.
    ``prefix`` gives a text field the ``starts_with`` operator.
    """

    name: str
    kind: Kind
    column: str | None = None
    sortable: bool = False
    nullable: bool = True
    choices: tuple[str, ...] = ()
    exists: str | None = None
    prefix: bool = False

    def __post_init__(self) -> None:
        if self.prefix and self.kind != "text":
            raise ValueError(f"{self.name}: only text fields take starts_with")

    @property
    def expr(self) -> sql.Composable:
        return sql.SQL(self.column or f"r.{self.name}")

    @property
    def ops(self) -> frozenset[str]:
        if self.exists is not None:
            return frozenset({"eq", "in"})
        ops = OPS[self.kind] | ({"starts_with"} if self.prefix else set())
        return ops if self.nullable else ops - {"is_null"}


@dataclass(frozen=True, slots=True)
class Alias:
    """A plain query parameter that stands for ``filter[<field>][<op>]``.

    ``translate(raw)`` may rewrite the value first: it returns ``(op, value)``, or ``None`` for
    no condition at all, and raises ``ValueError`` (a 422 naming the plain parameter) for a
    value it does not take.
    """

    field: str
    op: str = "eq"
    translate: Callable[[str], tuple[str, str] | None] | None = None
    #: For the route's OpenAPI document (the parameter is declared there with its field's type).
    description: str | None = None
    #: The form of the plain parameter's value (a regular expression, unanchored) when
    #: ``translate`` takes other values than the field's kind.
    pattern: str | None = None
    max_length: int = MAX_VALUE_LENGTH


def time_window(field: str) -> dict[str, Alias]:
    """``since`` and ``until``: plain parameters for a time range over ``field``."""
    return {
        "since": Alias(field, "gte", description=f"Inclusive lower bound of {field}."),
        "until": Alias(field, "lt", description=f"Exclusive upper bound of {field}."),
    }


@dataclass(frozen=True, slots=True)
class Condition:
    field: Field
    op: str
    value: Any
    key: str | None = None  # the property name of a json field


@dataclass(frozen=True, slots=True)
class SortKey:
    field: Field
    descending: bool


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A parsed, validated list request."""

    conditions: tuple[Condition, ...]
    sort: tuple[SortKey, ...]
    q: str | None
    include_deleted: bool

    @property
    def signature(self) -> str:
        return ",".join(("-" if k.descending else "") + k.field.name for k in self.sort)


#: The forms a filter value of each kind takes in a query string (the OpenAPI document states
#: them; ``parse_value`` takes nothing else). Times are a date, or a date and a time with an
#: optional fraction and offset (UTC when none is given).
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001 to 9999
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][48]|[2468]0|[13579][26])00)"
_DAY = (
    f"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)"
)
_CLOCK = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])"  # PostgreSQL takes offsets up to 15:59
VALUE_FORMS: dict[str, str] = {
    "int": "-?[0-9]{1,18}",
    "bool": "true|false",
    "uuid": "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
    "date": _DAY,
    "datetime": f"{_DAY}(?:[T ]{_CLOCK}{_OFFSET}?)?",
}


def _form(kind: str, raw: str) -> str:
    if not re.fullmatch(f"(?:{VALUE_FORMS[kind]})", raw):
        raise ValueError(f"not a {kind} value")
    return raw


def parse_bool(raw: str) -> bool:
    if raw not in ("true", "false"):
        raise ValueError("expected true or false")
    return raw == "true"


def _parse_datetime(raw: str) -> datetime:
    _form("datetime", raw)
    value = (
        datetime.fromisoformat(raw.replace(" ", "T"))
        if len(raw) > 10
        else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    )
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "int": lambda raw: int(_form("int", raw)),
    "bool": parse_bool,
    "uuid": lambda raw: UUID(_form("uuid", raw)),
    "date": lambda raw: date.fromisoformat(_form("date", raw)),
    "datetime": _parse_datetime,
}


def parse_value(kind: Kind, raw: str, choices: Sequence[str] = ()) -> Any:
    """One value of ``kind`` from its query-string form (``VALUE_FORMS``); ``ValueError`` when it
    is not one."""
    if len(raw) > MAX_VALUE_LENGTH:
        raise ValueError(f"at most {MAX_VALUE_LENGTH} characters")
    if kind == "choice" and raw not in choices:
        raise ValueError("one of: " + ", ".join(choices))
    parser = _PARSERS.get(kind)
    return parser(raw) if parser is not None else raw


def to_cursor(kind: Kind, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


_CURSOR_KINDS: dict[str, type] = {"datetime": datetime, "uuid": UUID, "int": int, "text": str}


def from_cursor(kind: Kind, value: Any, choices: Sequence[str] = ()) -> Any:
    """A sort-key value of ``kind`` read back from a cursor, checked so that it binds as what
    the column is (a tampered cursor is a ``ValueError``, never an error of the database)."""
    if value is None:
        return None
    if kind in _CURSOR_KINDS:
        return cursor_value(_CURSOR_KINDS[kind], value)
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError("not a date")
        return date.fromisoformat(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in choices:
            raise ValueError("not one of the choices")
        return value
    raise ValueError(f"a {kind} field is not a sort key")


def _escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (backslash, the default escape, escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_operand(op: str, text: str) -> str:
    return f"%{_escape_like(text)}%" if op == "contains" else f"{_escape_like(text)}%"
