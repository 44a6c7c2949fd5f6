from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hearth.rbac import Role

Status = Literal["pending", "accepted", "revoked", "expired"]


class Invitation(BaseModel):
    id: UUID
    email: str = Field(description="The address invited; only an identity verified for it can accept.")
    role: Role
    status: Status = Field(description="`pending` until accepted, revoked, or its `expires_at` passes.")
    invited_by: UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    accepted_at: datetime | None
    accepted_by: UUID | None


class InvitationCreate(BaseModel):
    """Invite an email address with a role no higher than yours."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "new.colleague@example.com", "role": "member"}]},
    )

    email: EmailStr
    role: Role = Role.MEMBER


class InvitationCreated(Invitation):
    token: str = Field(
        description="The invitation's one-time token. Shown only in this response: pass it to the"
        " person invited, who accepts with it (`POST /v1/invitations/accept`) while signed in with"
        " the invited address."
    )


class InvitationAccept(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"token": "hi_" + "A" * 54}]})

    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InvitationAccepted(BaseModel):
    """The membership the invitation gave."""

    org_id: UUID
    user_id: UUID
    role: Role
    invitation_id: UUID
