from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.rbac import Role


class Member(BaseModel):
    user_id: UUID
    email: str | None = Field(
        description="The address the identity provider verified for this user (none until they sign in"
        " with a verified one)."
    )
    name: str | None
    role: Role
    created_at: datetime
    updated_at: datetime
    version: int


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role
