"""Request bodies that take exactly what the OpenAPI document describes — no more, no less.

* **Strict types.** A body is validated as JSON in pydantic's strict mode (``strict_body``): ``true``
  is not an integer, ``0.5`` is not a time, ``"5"`` is not a number, while ids, dates and times
  are the strings the document shows. The kit applies it to every route's body model.
* **Rules stated in the schema.** ``Schema(...)`` adds JSON Schema keywords (``pattern``,
  ``anyOf``, ...) to a type or model, for rules a validator enforces: the document then says
  what the validator checks.
* **Times and dates** (``Time``, ``Day``) are the strings JSON Schema's ``date-time`` and
  ``date`` describe, in bodies and query strings alike.
* **Text.** ``Annotated[str, Text(200)]`` is 1 to 200 characters, not blank; surrounding spaces, tabs and line
  breaks are trimmed *after* the length is checked, so the limits are those of the string sent.
* **Partial updates.** ``Patch``: only the fields sent change, ``null`` clears an optional field;
  the fields in ``required`` cannot be cleared, and the document shows them as not nullable::

    class CompanyUpdate(Patch):
        required: ClassVar[frozenset[str]] = frozenset({"name"})

        name: Name | None = None          # documented as a string: `null` is refused
        domain: Domain | None = None      # documented as a string or null: `null` clears it
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

#: What ``Text`` trims; a string of only these is blank.
BLANK = " \t\n\r"
#: JSON Schema ``pattern`` of a string that is not blank (a search: one character not in BLANK).
NOT_BLANK = "[^ \\t\\n\\r]"


class Schema:
    """JSON Schema keywords added to the schema pydantic generates for a type or a model
    (``Annotated[str, AfterValidator(check), Schema(pattern=...)]``)."""

    __slots__ = ("keywords",)

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        target.update(self.keywords)
        return schema


@dataclass(frozen=True, slots=True)
class Text:
    """A string of at most ``max_length`` characters (``Annotated[str, Text(200)]``), trimmed of
    spaces, tabs and line breaks after its length is checked; unless ``blank``, it must hold one
    character that is not one of those."""

    max_length: int
    blank: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        text = core_schema.str_schema(min_length=0 if self.blank else 1, max_length=self.max_length)
        return core_schema.no_info_after_validator_function(self._trim, text)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if not self.blank:
            json_schema["pattern"] = NOT_BLANK
        return json_schema

    def _trim(self, value: str) -> str:
        trimmed = value.strip(BLANK)
        if not trimmed and not self.blank:
            raise PydanticCustomError("blank", "must not be blank")
        return trimmed


#: RFC 3339 (JSON Schema's ``date-time``): a date, ``T``, a time with seconds, and ``Z`` or an offset
#: (of at most 15:59, as PostgreSQL takes them); year 0001 on.
DATE_TIME_PATTERN = (
    "^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,6})?"
    "(?:Z|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])$"
)
#: JSON Schema's ``date``.
DATE_PATTERN = "^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _date_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if not re.fullmatch(DATE_TIME_PATTERN, value):
            raise ValueError
        return datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "datetime_format", "not an RFC 3339 date-time, like 2026-01-15T09:30:00Z"
        ) from None


def _date(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if not re.fullmatch(DATE_PATTERN, value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_format", "not a date, like 2026-01-15") from None


#: A point in time as JSON Schema's ``date-time`` (a number or another ISO 8601 form is refused,
#: not read as a Unix time) — in bodies and in query strings alike.
Time = Annotated[
    AwareDatetime, BeforeValidator(_date_time), Schema(format="date-time", pattern=DATE_TIME_PATTERN)
]
#: A calendar date as JSON Schema's ``date``.
Day = Annotated[date, BeforeValidator(_date), Schema(format="date", pattern=DATE_PATTERN)]


def _integral(value: Any) -> Any:
    """JSON numbers as JSON Schema sees them: ``5.0`` is the integer 5 (``true`` stays a boolean)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def strict_body(model: type[BaseModel]) -> Callable[[Any], Any]:
    """The validator the kit puts in front of a body ``model``: the JSON value, validated as
    JSON in strict mode (so the document's types are the only ones taken)."""

    def validate(value: Any) -> Any:
        if isinstance(value, model):
            return value
        return model.__pydantic_validator__.validate_json(json.dumps(_integral(value)), strict=True)

    return validate


def strict_annotation(model: type[BaseModel], location: Any) -> Any:
    """``Annotated[model, location, <strict validation>]`` for a route parameter."""
    return Annotated[model, location, BeforeValidator(strict_body(model))]


def drop_null(schema: dict[str, Any]) -> None:
    """Make a nullable property schema (``anyOf: [X, null]``) just ``X``."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" in schema:
        del schema["anyOf"]
        if len(branches) == 1:
            schema.update({k: v for k, v in branches[0].items() if k not in schema})
        else:
            schema["anyOf"] = branches
    if schema.get("default", ...) is None:
        del schema["default"]


class Patch(BaseModel):
    """A partial update: only the fields sent change, ``null`` clears an optional field, and the
    fields in ``required`` cannot be cleared (``null`` is refused on the field, and the document
    does not offer it). At least one field must be sent."""

    model_config = ConfigDict(extra="forbid")
    required: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _not_cleared(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.required:
            raise PydanticCustomError("not_nullable", "cannot be null (leave it out to keep it)")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> Patch:
        if not self.model_fields_set:
            raise PydanticCustomError("nothing_to_change", "send at least one field to change")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        target["minProperties"] = 1
        properties = target.get("properties", {})
        for name in cls.required:
            alias = cls.model_fields[name].alias or name
            if alias in properties:
                drop_null(properties[alias])
        return schema

    def changes(self) -> dict[str, Any]:
        """The fields sent, as Python values (models as dicts)."""
        return self.model_dump(exclude_unset=True)
