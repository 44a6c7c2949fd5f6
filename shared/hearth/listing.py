"""The list engine: filters, sort, keyset cursor and text search, declared once per resource.

Every list route takes the same query syntax::

    filter[<field>][<op>]=<value>    op: eq ne lt lte gt gte in contains (alias ilike)
                                         starts_with is_null
    filter[<field>]=<value>          shorthand for eq
    sort=-amount,name                up to 3 fields; "-" sorts descending; empty values sort last;
                                     the key (the id) breaks ties, so the order is total and stable
    q=acme                           case-insensitive text search over the resource's names/emails
    include_deleted=true             admins and owners: soft-deleted rows too
    limit=50&cursor=…                keyset pagination (the cursor is the last row's sort key)

Values: ``in`` takes a comma-separated list (up to 100); ``is_null`` takes ``true``/``false``;
``contains`` is a case-insensitive substring match on text, and "has this tag" on tags;
``starts_with`` is a case-sensitive prefix match, offered by the text fields declared with
``prefix=True`` (event types, audit actions); ``%`` and ``_`` are plain characters in both. ``ne``
also matches rows where the field is empty. Dates are ``YYYY-MM-DD``, times ISO 8601 (UTC when
no offset is given). Custom properties filter as ``filter[properties.<key>][<op>]``, compared
as text. Conditions combine with AND. A resource declares its list once::

    COMPANIES = Listing(
        select="SELECT r.* FROM companies r",
        fields=(Field("name", "text", sortable=True, nullable=False), Field("employee_count", "int")),
        search=("r.name", "r.domain"),
    )
    query = COMPANIES.parse(ctx.request.query, sort="-created_at", q=None, include_deleted=False)
    rows, next_cursor = COMPANIES.page(ctx.db, query, limit=50, cursor=None)
    page = COMPANIES.fetch(ctx, Company, limit=50, cursor=None, sort=None)  # both, as a Page

The tie-breaking ``key`` is the field ``id`` unless the list names another unique, non-empty
field (members: ``key="user_id"``). A list may keep older plain query parameters as ``aliases``
of filters, translated here, once, with problems named after the plain parameter::

    EVENTS = Listing(..., aliases={"since": Alias("occurred_at", "gte"), "type": Alias("type", translate=f)})
    # ?since=2026-01-01 is filter[occurred_at][gte]=2026-01-01; f("deal.*") -> ("starts_with", "deal.")

Every value is a bound parameter; field expressions are SQL written in code, never taken from a
request, and row-level security still scopes every row to the tenant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from psycopg import sql
from pydantic import BaseModel

from hearth.db import Connection
from hearth.http.context import RequestContext
from hearth.http.pagination import Page, decode_cursor, encode_cursor
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
_ALIASES = {"ilike": "contains"}
#: (is a tags field, op) -> the condition, ``{}`` being the field's expression.
_TEMPLATES: dict[tuple[bool, str], str] = {
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
_FILTER = re.compile(r"^filter\[([A-Za-z0-9_.]{1,80})\](?:\[([a-z_]{1,20})\])?$")
_JSON_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

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


def _problem(param: str, message: str, code: str) -> Unprocessable:
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


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError("expected true or false")


def _parse_datetime(raw: str) -> datetime:
    raw = raw.strip()
    value = (
        datetime.fromisoformat(raw)
        if "T" in raw or " " in raw
        else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    )
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_int(raw: str) -> int:
    number = int(raw.strip())
    if not -(2**63) <= number < 2**63:
        raise ValueError("out of range")
    return number


_PARSERS: dict[str, Callable[[str], Any]] = {
    "int": _parse_int,
    "bool": _parse_bool,
    "uuid": lambda raw: UUID(raw.strip()),
    "date": lambda raw: date.fromisoformat(raw.strip()),
    "datetime": _parse_datetime,
}


def parse_value(kind: Kind, raw: str, choices: Sequence[str] = ()) -> Any:
    """One value of ``kind`` from its query-string form; ``ValueError`` when it is not one."""
    if len(raw) > MAX_VALUE_LENGTH:
        raise ValueError(f"at most {MAX_VALUE_LENGTH} characters")
    if kind == "choice" and raw not in choices:
        raise ValueError("one of: " + ", ".join(choices))
    parser = _PARSERS.get(kind)
    return parser(raw) if parser is not None else raw


def _to_cursor(kind: Kind, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _from_cursor(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "uuid":
        return UUID(value)
    if kind == "int" and not isinstance(value, int):
        raise ValueError("not an integer")
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError("not a boolean")
    if kind in ("text", "choice") and not isinstance(value, str):
        raise ValueError("not text")
    return value


def _escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (backslash, the default escape, escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pattern(op: str, text: str) -> str:
    return f"%{_escape_like(text)}%" if op == "contains" else f"{_escape_like(text)}%"


@dataclass(frozen=True)
class Listing:
    """The list declaration of one resource (see the module docstring).

    ``select`` is ``SELECT … FROM <table> r`` (joins allowed); ``default_sort`` uses the sort
    syntax; ``soft_delete`` hides rows with ``r.deleted_at`` unless the query includes them.
    ``key`` names the field that breaks ties (unique and never empty; the select returns it
    under its name): the last value of every cursor. ``aliases`` maps plain query parameters to
    the filters they stand for. ``search_label`` says what ``q`` searches, for the description.
    """

    select: str
    fields: tuple[Field, ...]
    search: tuple[str, ...] = ()
    default_sort: str = "-created_at"
    soft_delete: bool = True
    key: str = "id"
    aliases: Mapping[str, Alias] = field(default_factory=dict)
    search_label: str = "names and emails"
    by_name: dict[str, Field] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        for name in self.default_sort.replace("-", "").split(","):
            if not self.by_name[name].sortable:
                raise ValueError(f"default sort field {name} is not sortable")
        key = self.by_name.get(self.key)
        if key is None or key.nullable or key.kind not in ("uuid", "int", "text"):
            raise ValueError(f"the key {self.key} must be a declared uuid, int or text field, never empty")
        for param, alias in self.aliases.items():
            target = self.by_name.get(alias.field)
            if param.startswith("filter") or param in ("sort", "q", "limit", "cursor", "include_deleted"):
                raise ValueError(f"alias {param}: the list syntax already uses this name")
            if target is None:
                raise ValueError(f"alias {param}: no field {alias.field}")
            if alias.translate is None and alias.op not in target.ops:
                raise ValueError(f"alias {param}: {alias.field} does not support {alias.op}")

    @property
    def key_field(self) -> Field:
        return self.by_name[self.key]

    # -- parsing -----------------------------------------------------------------------------

    def _field(self, name: str, param: str) -> tuple[Field, str | None]:
        head, _, key = name.partition(".")
        found = self.by_name.get(head)
        if found is None or (found.kind == "json") != bool(key):
            known = ", ".join(
                f"{f.name}.<key>" if f.kind == "json" else f.name for f in self.fields if f.name != self.key
            )
            raise _problem(
                param, f"Unknown filter field. Filterable: {self.key}, {known}.", "unknown_filter_field"
            )
        if key and not _JSON_KEY.match(key):
            raise _problem(
                param, "A property name is lowercase letters, digits and _.", "invalid_filter_field"
            )
        return found, key or None

    def _condition(self, name: str, op: str, raw: str, param: str) -> Condition:
        found, key = self._field(name, param)
        op = _ALIASES.get(op, op)
        if op not in found.ops:
            allowed = ", ".join(sorted(found.ops))
            raise _problem(param, f"{found.name} supports: {allowed}.", "unsupported_filter_operator")
        value_kind: Kind = "text" if found.kind in ("tags", "json") else found.kind
        try:
            if op == "is_null":
                value: Any = _parse_bool(raw)
            elif op == "in":
                parts = [part for part in raw.split(",") if part != ""]
                if not parts or len(parts) > MAX_IN_VALUES:
                    raise ValueError(f"give 1 to {MAX_IN_VALUES} comma-separated values")
                value = [parse_value(value_kind, part, found.choices) for part in parts]
            elif op in ("contains", "starts_with"):
                if not raw:
                    raise ValueError("give some text")
                value = parse_value("text", raw)
            else:
                value = parse_value(value_kind, raw, found.choices)
        except ValueError as exc:
            raise _problem(param, f"Invalid value for {found.name}: {exc}.", "invalid_filter_value") from exc
        return Condition(found, op, value, key)

    def _alias(self, param: str, raw: str) -> Condition | None:
        """The condition a plain parameter stands for (``None``: its value selects everything)."""
        alias = self.aliases[param]
        op: str = alias.op
        if alias.translate is not None:
            try:
                translated = alias.translate(raw)
            except ValueError as exc:
                raise _problem(param, f"Invalid value for {param}: {exc}.", "invalid_filter_value") from exc
            if translated is None:
                return None
            op, raw = translated
        return self._condition(alias.field, op, raw, param)

    def parse_sort(self, sort: str | None) -> tuple[SortKey, ...]:
        text = (sort or "").strip() or self.default_sort
        keys: list[SortKey] = []
        for raw in text.split(","):
            part = raw.strip()
            descending = part.startswith("-")
            name = part.removeprefix("-").removeprefix("+")
            found = self.by_name.get(name)
            if found is None or not found.sortable:
                sortable = ", ".join(f.name for f in self.fields if f.sortable)
                raise _problem("sort", f"Cannot sort by {name!r}. Sortable: {sortable}.", "invalid_sort")
            if any(k.field.name == name for k in keys):
                raise _problem("sort", f"{name} appears twice.", "invalid_sort")
            keys.append(SortKey(found, descending))
        if len(keys) > MAX_SORT_FIELDS:
            raise _problem("sort", f"Sort by at most {MAX_SORT_FIELDS} fields.", "invalid_sort")
        return tuple(keys)

    def parse(
        self,
        query: Iterable[tuple[str, str]],
        *,
        sort: str | None = None,
        q: str | None = None,
        include_deleted: bool = False,
    ) -> ListQuery:
        """Validate a list request: 422 naming the offending query parameter."""
        conditions: list[Condition] = []
        for param, raw in query:
            if param in self.aliases:
                cond = self._alias(param, raw)
                if cond is None:
                    continue
            elif param.startswith("filter"):
                match = _FILTER.match(param)
                if match is None:
                    raise _problem(param, "Write filters as filter[field][op]=value.", "invalid_filter")
                cond = self._condition(match.group(1), match.group(2) or "eq", raw, param)
            else:
                continue
            conditions.append(cond)
            if len(conditions) > MAX_FILTERS:
                raise _problem(param, f"At most {MAX_FILTERS} filters.", "too_many_filters")
        text = (q or "").strip() or None
        if text is not None and not self.search:
            raise _problem("q", "This list has no text search.", "search_unsupported")
        return ListQuery(tuple(conditions), self.parse_sort(sort), text, include_deleted)

    # -- SQL ---------------------------------------------------------------------------------

    @staticmethod
    def _where(cond: Condition, params: list[Any]) -> sql.Composable:
        f, op, value = cond.field, cond.op, cond.value
        if f.exists is not None:
            params.append(value if op == "in" else [value])
            return sql.SQL("EXISTS ({})").format(sql.SQL(f.exists).format(sql.SQL("%s")))
        expr = f.expr
        if f.kind == "json":
            params.append(cond.key)
            expr = sql.SQL("({} ->> %s)").format(expr)
        if op == "is_null":
            if f.kind == "tags":
                return sql.SQL("cardinality({}) {} 0").format(expr, sql.SQL("=" if value else ">"))
            return sql.SQL("{} IS NULL" if value else "{} IS NOT NULL").format(expr)
        template = _TEMPLATES[(f.kind == "tags", op)]
        if f.kind == "tags" and op == "contains":
            params.append([value])
        elif op in ("contains", "starts_with") and f.kind != "tags":
            params.append(_pattern(op, value))
        else:
            params.append(value)
        return sql.SQL(template).format(expr)

    def _keyset(
        self, keys: list[tuple[sql.Composable, bool, Any]], params: list[Any], uniform: bool
    ) -> sql.Composable:
        """Rows after the cursor: ``(k1, k2, …) > (v1, v2, …)`` in the sort's directions."""
        if uniform:
            params.extend(value for _e, _d, value in keys)
            op = sql.SQL("<" if keys[0][1] else ">")
            return sql.SQL("({}) {} ({})").format(
                sql.SQL(", ").join(e for e, _d, _v in keys),
                op,
                sql.SQL(", ").join(sql.SQL("%s") for _ in keys),
            )
        disjuncts: list[sql.Composable] = []
        for i, (expr, descending, value) in enumerate(keys):
            if value is None:
                continue  # nothing sorts after an empty value on this key (empties sort last)
            terms: list[sql.Composable] = []
            for prev_expr, _d, prev in keys[:i]:
                if prev is None:
                    terms.append(sql.SQL("{} IS NULL").format(prev_expr))
                else:
                    terms.append(sql.SQL("{} = %s").format(prev_expr))
                    params.append(prev)
            terms.append(sql.SQL("{} {} %s").format(expr, sql.SQL("<" if descending else ">")))
            params.append(value)
            disjuncts.append(sql.SQL("({})").format(sql.SQL(" AND ").join(terms)))
        if not disjuncts:
            return sql.SQL("false")
        return sql.SQL("({})").format(sql.SQL(" OR ").join(disjuncts))

    def page(
        self,
        conn: Connection,
        query: ListQuery,
        *,
        limit: int,
        cursor: str | None,
        where: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of rows and the cursor of the next (``None`` on the last page).

        ``where`` adds fixed conditions written in code, e.g. ``[("r.deal_id = %s", [deal_id])]``.
        """
        params: list[Any] = []
        clauses: list[sql.Composable] = []
        for text, values in where:
            clauses.append(sql.SQL(text))
            params.extend(values)
        if self.soft_delete and not query.include_deleted:
            clauses.append(sql.SQL("r.deleted_at IS NULL"))
        for cond in query.conditions:
            clauses.append(self._where(cond, params))
        if query.q is not None:
            pattern = _pattern("contains", query.q)
            clauses.append(
                sql.SQL("({})").format(
                    sql.SQL(" OR ").join(sql.SQL("{} ILIKE %s").format(sql.SQL(e)) for e in self.search)
                )
            )
            params.extend(pattern for _ in self.search)

        tie_descending = query.sort[0].descending
        order: list[sql.Composable] = []
        keys: list[tuple[sql.Composable, bool, Any]] = []
        after = self._decode(query, cursor) if cursor else None
        uniform = all(k.descending == tie_descending and not k.field.nullable for k in query.sort)
        for index, key in enumerate(query.sort):
            expr = key.field.expr
            value = after[index] if after is not None else None
            if key.field.nullable:
                flag = sql.SQL("({} IS NULL)").format(expr)
                order.append(sql.SQL("{} ASC").format(flag))
                keys.append((flag, False, value is None))
            order.append(sql.SQL("{} {}").format(expr, sql.SQL("DESC" if key.descending else "ASC")))
            keys.append((expr, key.descending, value))
        tie = self.key_field
        order.append(sql.SQL("{} {}").format(tie.expr, sql.SQL("DESC" if tie_descending else "ASC")))
        keys.append((tie.expr, tie_descending, after[-1] if after is not None else None))
        if after is not None:
            clauses.append(self._keyset(keys, params, uniform))

        statement = sql.SQL("{select} {where} ORDER BY {order} LIMIT %s").format(
            select=sql.SQL(self.select),
            where=sql.SQL("WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL(""),
            order=sql.SQL(", ").join(order),
        )
        params.append(limit + 1)
        rows = conn.execute(statement, params).fetchall()
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        last = rows[-1]
        values = [_to_cursor(k.field.kind, last[k.field.name]) for k in query.sort]
        return rows, encode_cursor([query.signature, *values, _to_cursor(tie.kind, last[tie.name])])

    def _decode(self, query: ListQuery, cursor: str) -> list[Any]:
        raw = decode_cursor(cursor, len(query.sort) + 2)
        if raw[0] != query.signature:
            raise _problem("cursor", "This cursor belongs to a list with another sort.", "invalid_cursor")
        fields = [*(k.field for k in query.sort), self.key_field]
        try:
            values = [_from_cursor(f.kind, v) for f, v in zip(fields, raw[1:], strict=True)]
        except (ValueError, TypeError, AttributeError) as exc:
            raise _problem("cursor", "Not a cursor returned by this list.", "invalid_cursor") from exc
        for f, value in zip(fields, values, strict=True):
            if value is None and not f.nullable:
                raise _problem("cursor", "Not a cursor returned by this list.", "invalid_cursor")
        return values

    def fetch(
        self,
        ctx: RequestContext,
        model: type[M],
        *,
        limit: int,
        cursor: str | None,
        sort: str | None = None,
        q: str | None = None,
        where: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> Page[M]:
        """A list route's answer: the request's filters (and aliases), ``sort`` and ``q``, one
        page of ``model`` (no soft-deleted rows; ``Resource.list`` is the route for those)."""
        query = self.parse(ctx.request.query, sort=sort, q=q)
        rows, next_cursor = self.page(ctx.db, query, limit=limit, cursor=cursor, where=where)
        return Page[model](  # type: ignore[valid-type]
            data=[model.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    # -- documentation -----------------------------------------------------------------------

    def describe(self) -> str:
        """The list's filter and sort fields, for the route's OpenAPI description."""
        lines = [
            "Filter with `filter[<field>][<op>]=<value>` (see the API conventions). Fields:",
            "",
            "| field | type | operators | sort |",
            "|---|---|---|---|",
        ]
        for f in self.fields:
            name = f"{f.name}.<key>" if f.kind == "json" else f.name
            kind = f"one of {', '.join(f.choices)}" if f.choices else ("id (link)" if f.exists else f.kind)
            ops = ", ".join(
                op
                for op in ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "is_null")
                if op in f.ops
            )
            lines.append(f"| `{name}` | {kind} | {ops} | {'yes' if f.sortable else ''} |")
        lines.append("")
        if self.aliases:
            shorthands = ", ".join(
                f"`{param}` (a filter on `{a.field}`, see the parameter)"
                if a.translate is not None
                else f"`{param}` (`filter[{a.field}]" + ("" if a.op == "eq" else f"[{a.op}]") + "`)"
                for param, a in self.aliases.items()
            )
            lines.append(f"Shorthands: {shorthands}.")
            lines.append("")
        lines.append(
            f"Default sort: `{self.default_sort}`."
            + (f" `q` searches {self.search_label}." if self.search else "")
        )
        return "\n".join(lines)
