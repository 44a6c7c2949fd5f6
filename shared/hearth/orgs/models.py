from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

from hearth.rbac import Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _known_timezone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("not an IANA time zone name (like Europe/Berlin)")
    return value


TimeZone = Annotated[str, AfterValidator(_known_timezone)]


class OrgCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Acme", "timezone": "UTC"}]}
    )

    name: Name
    timezone: TimeZone = "UTC"


class OrgUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Acme Europe"}]})

    name: Name | None = None
    timezone: TimeZone | None = None

    @model_validator(mode="after")
    def _something(self) -> OrgUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class Org(BaseModel):
    id: UUID
    name: str
    plan: str
    timezone: str
    role: Role
    created_at: datetime
    updated_at: datetime
    version: int
