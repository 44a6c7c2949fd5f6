from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from hearth.rbac import Role


class ApiKey(BaseModel):
    id: UUID
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    role: Role
    created_by: UUID
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "CI", "role": "member"}]}
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    role: Role = Role.MEMBER
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the key stops working: at most, and by default, when the token of the"
        " session creating it expires.",
    )

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value


class ApiKeyCreated(ApiKey):
    secret: str = Field(description="The key itself. Shown only in this response: store it now.")
