"""The list engine: a list's declaration parses a request and pages its rows in one query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from hearth.db import Connection
from hearth.http.context import RequestContext
from hearth.http.pagination import Page, decode_cursor, encode_cursor
from hearth.listing.fields import (
    CONDITIONS,
    FILTER_PARAM,
    JSON_KEY,
    MAX_FILTERS,
    MAX_IN_VALUES,
    MAX_SORT_FIELDS,
    OP_ALIASES,
    Alias,
    Condition,
    Field,
    Kind,
    ListQuery,
    M,
    SortKey,
    from_cursor,
    like_operand,
    parse_bool,
    parse_value,
    query_problem,
    to_cursor,
)


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
            raise query_problem(
                param, f"Unknown filter field. Filterable: {self.key}, {known}.", "unknown_filter_field"
            )
        if key and not JSON_KEY.match(key):
            raise query_problem(
                param, "A property name is lowercase letters, digits and _.", "invalid_filter_field"
            )
        return found, key or None

    def _condition(self, name: str, op: str, raw: str, param: str) -> Condition:
        found, key = self._field(name, param)
        op = OP_ALIASES.get(op, op)
        if op not in found.ops:
            allowed = ", ".join(sorted(found.ops))
            raise query_problem(param, f"{found.name} supports: {allowed}.", "unsupported_filter_operator")
        value_kind: Kind = "text" if found.kind in ("tags", "json") else found.kind
        try:
            if op == "is_null":
                value: Any = parse_bool(raw)
            elif op == "in":
                parts = raw.split(",")
                if "" in parts or len(parts) > MAX_IN_VALUES:
                    raise ValueError(f"give 1 to {MAX_IN_VALUES} comma-separated values")
                value = [parse_value(value_kind, part, found.choices) for part in parts]
            elif op in ("contains", "starts_with"):
                if not raw:
                    raise ValueError("give some text")
                value = parse_value("text", raw)
            else:
                value = parse_value(value_kind, raw, found.choices)
        except ValueError as exc:
            raise query_problem(
                param, f"Invalid value for {found.name}: {exc}.", "invalid_filter_value"
            ) from exc
        return Condition(found, op, value, key)

    def _alias(self, param: str, raw: str) -> Condition | None:
        """The condition a plain parameter stands for (``None``: its value selects everything)."""
        alias = self.aliases[param]
        op: str = alias.op
        if alias.translate is not None:
            try:
                translated = alias.translate(raw)
            except ValueError as exc:
                raise query_problem(
                    param, f"Invalid value for {param}: {exc}.", "invalid_filter_value"
                ) from exc
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
                raise query_problem("sort", f"Cannot sort by {name!r}. Sortable: {sortable}.", "invalid_sort")
            if any(k.field.name == name for k in keys):
                raise query_problem("sort", f"{name} appears twice.", "invalid_sort")
            keys.append(SortKey(found, descending))
        if len(keys) > MAX_SORT_FIELDS:
            raise query_problem("sort", f"Sort by at most {MAX_SORT_FIELDS} fields.", "invalid_sort")
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
                match = FILTER_PARAM.match(param)
                if match is None:
                    raise query_problem(param, "Write filters as filter[field][op]=value.", "invalid_filter")
                if match.group(2) is None and raw == "":
                    continue  # filter[<field>]= (an empty shorthand, or no operators): no condition
                cond = self._condition(match.group(1), match.group(2) or "eq", raw, param)
            else:
                continue
            conditions.append(cond)
            if len(conditions) > MAX_FILTERS:
                raise query_problem(param, f"At most {MAX_FILTERS} filters.", "too_many_filters")
        text = (q or "").strip() or None
        if text is not None and not self.search:
            raise query_problem("q", "This list has no text search.", "search_unsupported")
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
        template = CONDITIONS[(f.kind == "tags", op)]
        if f.kind == "tags" and op == "contains":
            params.append([value])
        elif op in ("contains", "starts_with") and f.kind != "tags":
            params.append(like_operand(op, value))
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
            pattern = like_operand("contains", query.q)
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
        values = [to_cursor(k.field.kind, last[k.field.name]) for k in query.sort]
        return rows, encode_cursor([query.signature, *values, to_cursor(tie.kind, last[tie.name])])

    def _decode(self, query: ListQuery, cursor: str) -> list[Any]:
        raw = decode_cursor(cursor, len(query.sort) + 2)
        if raw[0] != query.signature:
            raise query_problem(
                "cursor", "This cursor belongs to a list with another sort.", "invalid_cursor"
            )
        fields = [*(k.field for k in query.sort), self.key_field]
        try:
            values = [from_cursor(f.kind, v, f.choices) for f, v in zip(fields, raw[1:], strict=True)]
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            raise query_problem("cursor", "Not a cursor returned by this list.", "invalid_cursor") from exc
        for f, value in zip(fields, values, strict=True):
            if value is None and not f.nullable:
                raise query_problem("cursor", "Not a cursor returned by this list.", "invalid_cursor")
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
