from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from hearth.http.inputs import Patch, Schema, Text
from hearth.rbac import Role

Name = Annotated[str, Text(200)]


def _known_timezone(value: str) -> str:
    if value not in available_timezones():
        raise PydanticCustomError("time_zone", "not an IANA time zone name (like Europe/Berlin)")
    return value


#: Documented with the format ``time-zone``: a name of the IANA time zone database.
TimeZone = Annotated[
    str,
    AfterValidator(_known_timezone),
    Schema(format="time-zone", description="An IANA time zone name, like Europe/Berlin.", examples=["UTC"]),
]


class OrgCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Acme", "timezone": "UTC"}]}
    )

    name: Name
    timezone: TimeZone = "UTC"


TaskKeyPrefix = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,9}$"),
    Schema(
        description="What task keys start with (`HRT` makes `HRT-42`): 2 to 10 capital letters and digits,"
        " a letter first. Keys are read with the current prefix.",
        examples=["HRT"],
    ),
]


class OrgUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Acme Europe"}]})
    required: ClassVar[frozenset[str]] = frozenset({"name", "timezone", "task_key_prefix"})

    name: Name | None = None
    timezone: TimeZone | None = None
    task_key_prefix: TaskKeyPrefix | None = None


class Org(BaseModel):
    id: UUID
    name: str
    plan: str
    timezone: str
    task_key_prefix: str
    role: Role
    created_at: datetime
    updated_at: datetime
    version: int
