from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, model_validator

from hearth.rbac import Role


class Member(BaseModel):
    user_id: UUID
    email: str | None
    name: str | None
    role: Role
    created_at: datetime
    updated_at: datetime
    version: int


class MemberAdd(BaseModel):
    """Add an existing user, named by id or by email."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "new.colleague@example.com", "role": "member"}]},
    )

    user_id: UUID | None = None
    email: EmailStr | None = None
    role: Role = Role.MEMBER

    @model_validator(mode="after")
    def _one_identity(self) -> MemberAdd:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give exactly one of user_id or email")
        return self


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role
