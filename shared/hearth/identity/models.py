"""What the identity routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.http.inputs import Patch

MfaMethod = Literal["totp", "sms"]


class Mfa(BaseModel):
    enabled: bool = Field(description="At least one second factor is enrolled.")
    methods: list[MfaMethod] = Field(description="Enrolled second factors.")
    preferred: MfaMethod | None = Field(description="The factor asked for first at sign-in.")
    checked_at: datetime | None = Field(description="When the user pool was last asked.")


class Me(BaseModel):
    id: UUID
    email: str | None = Field(description="The verified email, if any.")
    name: str | None
    mfa: Mfa | None = Field(
        description="Second factors, as the user pool holds them (null when sign-in is not through"
        " Hearth's user pool)."
    )


class Session(BaseModel):
    id: UUID
    user_agent: str | None = Field(description="The device's user agent at the session's first request.")
    ip: str | None = Field(description="The address of the session's first request.")
    created_at: datetime
    last_seen_at: datetime = Field(description="Moves at most once a minute.")
    ended_at: datetime | None
    end_reason: Literal["signed_out", "signed_out_everywhere", "idle"] | None
    current: bool = Field(description="The session this request was made in.")


class SignedOut(BaseModel):
    ended: int = Field(description="Sessions ended by this request.")


class SecuritySettings(BaseModel):
    mfa_required: bool = Field(description="Members must have a second factor enrolled (403 `mfa_required`).")
    session_idle_minutes: int = Field(
        description="A session idle this long is ended (the platform's 1440, or less)."
    )
    updated_at: datetime | None
    version: int


class SecuritySettingsUpdate(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"mfa_required": True, "session_idle_minutes": 480}]}
    )
    required: ClassVar[frozenset[str]] = frozenset({"mfa_required"})

    mfa_required: bool | None = None
    session_idle_minutes: Annotated[int, Field(ge=5, le=1440)] | None = Field(
        default=None, description="5 to 1440; null returns to the platform's limit."
    )
