"""A list's query syntax as its OpenAPI operation documents it — the forms the engine parses::

    filter_parameter(COMPANIES_LISTING, "CompanyFilter")  # (the `filter` parameter, its schema)
    sort_pattern(COMPANIES_LISTING)                      # the `sort` grammar as a pattern

``filter`` is a ``deepObject`` parameter: ``filter[name]=Acme`` (equals) or
``filter[employee_count][gte]=10``; its schema names every field, the operators each takes and
the form of its values (``VALUE_FORMS``), so a client (and Schemathesis) builds only filters the
engine takes. ``sort`` is up to three sortable fields, each once, ``-`` for descending.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from hearth.listing.fields import (
    JSON_KEY,
    MAX_IN_VALUES,
    MAX_SORT_FIELDS,
    MAX_VALUE_LENGTH,
    VALUE_FORMS,
    Field,
)

if TYPE_CHECKING:
    from hearth.listing.engine import Listing

_COMPARE = ("eq", "ne", "lt", "lte", "gt", "gte")
_TEXT = f"[^,]{{1,{MAX_VALUE_LENGTH}}}"


def _value_form(field: Field) -> str | None:
    """A regular expression (unanchored) of one value of ``field``; ``None``: any text."""
    if field.choices:
        return "|".join(re.escape(choice) for choice in field.choices)
    return VALUE_FORMS.get(field.kind)


def _value_schema(field: Field) -> dict[str, Any]:
    form = _value_form(field)
    if form is None:
        return {"type": "string", "maxLength": MAX_VALUE_LENGTH}
    return {"type": "string", "pattern": f"^(?:{form})$"}


def _operators(field: Field) -> dict[str, Any]:
    value = _value_schema(field)
    form = _value_form(field) or _TEXT
    ops: dict[str, Any] = {}
    for op in sorted(field.ops):
        if op in _COMPARE:
            ops[op] = value
        elif op == "in":
            ops[op] = {
                "type": "string",
                "pattern": f"^(?:{form})(?:,(?:{form})){{0,{MAX_IN_VALUES - 1}}}$",
                "description": f"1 to {MAX_IN_VALUES} comma-separated values.",
            }
        elif op in ("contains", "starts_with"):
            ops[op] = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}
        elif op == "is_null":
            ops[op] = {"type": "string", "enum": ["true", "false"]}
    if "contains" in ops:
        ops["ilike"] = ops["contains"]
    return ops


def _field_schema(field: Field) -> dict[str, Any]:
    """A value (``filter[f]=v``: equals) or an object of operators (``filter[f][op]=v``); an
    empty ``filter[f]=`` (no operators) is no condition."""
    ops = _operators(field)
    by_op: dict[str, Any] = {"type": ["object"], "properties": ops, "additionalProperties": False}
    if "eq" in ops:
        by_op["type"] = ["string", "object"]
        by_op.update({k: v for k, v in ops["eq"].items() if k != "type"})
    return by_op


def filter_schema(listing: Listing) -> dict[str, Any]:
    """The schema of the ``filter`` object of a list: one property per field (a value: equals;
    an object: operator to value), ``properties.<key>`` for custom properties."""
    properties: dict[str, Any] = {}
    patterns: dict[str, Any] = {}
    for field in listing.fields:
        if field.kind == "json":
            patterns[f"^{re.escape(field.name)}\\.{JSON_KEY.pattern.removeprefix('^')}"] = _field_schema(
                field
            )
        else:
            properties[field.name] = _field_schema(field)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "description": "Conditions on the list's fields, combined with AND: `filter[<field>]=<value>` "
        "(equals) or `filter[<field>][<op>]=<value>`.",
    }
    if patterns:
        schema["patternProperties"] = patterns
    return schema


def filter_parameter(listing: Listing, schema_name: str) -> dict[str, Any]:
    """The OpenAPI ``filter`` parameter of a list (its schema is ``schema_name`` in components)."""
    return {
        "name": "filter",
        "in": "query",
        "required": False,
        "style": "deepObject",
        "explode": True,
        "description": "Filters: `filter[<field>]=<value>` or `filter[<field>][<op>]=<value>`.",
        "schema": {"$ref": f"#/components/schemas/{schema_name}"},
    }


def sort_pattern(listing: Listing) -> str:
    """The ``sort`` grammar: up to ``MAX_SORT_FIELDS`` sortable fields, each once, ``-`` (or
    ``+``) before a field for its direction, blanks around them ignored; empty: the default."""
    names = sorted((f.name for f in listing.fields if f.sortable), key=lambda n: (-len(n), n))
    field = "(" + "|".join(re.escape(n) for n in names) + ")"
    sign = "(?:-\\+?|\\+)?"
    rest = ""
    for index in range(MAX_SORT_FIELDS - 1, 0, -1):
        earlier = "|".join(f"\\{i}" for i in range(1, index + 1))
        rest = f"(?:,\\s*{sign}(?!(?:{earlier})\\s*(?:,|$)){field}\\s*{rest})?"
    return f"^\\s*(?:{sign}{field}\\s*{rest})?$"
