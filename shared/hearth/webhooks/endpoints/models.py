from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from hearth.events.types import PATTERN as EVENT_PATTERN
from hearth.events.types import is_pattern
from hearth.http.inputs import Patch, Schema, Text, Time

#: An http(s) URL: no spaces or control characters, no credentials, no fragment; the host a DNS
#: name of letters, digits and hyphens (IDNs as ``xn--``) or an IP address; a port up to 65535.
URL_PATTERN = (
    "^[Hh][Tt][Tt][Pp][Ss]?://"
    "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?"
    "|\\[[0-9A-Fa-f:.]+\\])"
    "(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    "(?:[/?][^\\s#\\x00-\\x1f\\x7f]*)?$"
)


def _url(value: str) -> str:
    if not re.fullmatch(URL_PATTERN, value):
        raise PydanticCustomError("invalid_url", "not an http(s) URL without credentials or fragment")
    return value


Url = Annotated[
    str,
    StringConstraints(min_length=8, max_length=2048),
    AfterValidator(_url),
    Schema(format="uri", pattern=URL_PATTERN),
]
Description = Annotated[str, Text(500, blank=True)]
EventType = Annotated[str, StringConstraints(max_length=100), Schema(pattern=EVENT_PATTERN.pattern)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=50)]

_TYPES_HELP = "Event types to deliver: exact (`deal.won`), prefix wildcards (`deal.*`) or `*` for all."


def _check_types(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    bad = [t for t in value if not is_pattern(t)]
    if bad:
        raise ValueError(f"not an event type or wildcard: {', '.join(bad[:5])}")
    return sorted(set(value))


class WebhookEndpoint(BaseModel):
    id: UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: Literal["manual", "gone", "failing"] | None = Field(
        description="Why it is disabled: `manual` (you), `gone` (it answered 410), `failing` (5 days of "
        "failures only)."
    )
    disabled_at: datetime | None
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are also signed with the previous secret."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/hearth",
                    "description": "CRM sync",
                    "event_types": ["company.*", "deal.stage_changed"],
                }
            ]
        },
    )

    url: Url = Field(description="Where to POST: https (plain http only in local development and tests).")
    description: Description | None = None
    event_types: EventTypes = Field(default_factory=lambda: ["*"], description=_TYPES_HELP)
    enabled: bool = True

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str] | None:
        return _check_types(value)


class WebhookEndpointUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"event_types": ["deal.*"], "enabled": True}]})
    required: ClassVar[frozenset[str]] = frozenset({"url", "event_types", "enabled"})

    url: Url | None = None
    description: Description | None = None
    event_types: EventTypes | None = Field(default=None, description=_TYPES_HELP)
    enabled: bool | None = None

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return _check_types(value)


class WebhookEndpointCreated(WebhookEndpoint):
    secret: str = Field(
        description="The signing secret (`whsec_…`). Shown only in this response: store it now."
    )


class SecretRotated(BaseModel):
    id: UUID
    secret: str = Field(description="The new signing secret. Shown only in this response: store it now.")
    secret_rotated_at: datetime
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry signatures with both the new and the previous secret."
    )


class RecoverQuery(BaseModel):
    since: Time
    until: Time | None = None


class RecoverAccepted(BaseModel):
    endpoint_id: UUID
    since: datetime
    until: datetime | None
    deliveries: int = Field(description="Failed deliveries scheduled to be sent again.")
