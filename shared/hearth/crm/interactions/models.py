from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from hearth.http.inputs import Patch, Text, Time
from hearth.records.resource import Record

Type = Literal["email", "sms", "call", "meeting", "note", "system"]
Direction = Literal["inbound", "outbound"]
Subject = Annotated[str, Text(300)]
Summary = Annotated[str, StringConstraints(max_length=5000)]
ExternalRef = Annotated[
    Annotated[str, Text(255)],
    Field(description="The provider's id (e.g. a message id); unique per org among live interactions."),
]

_EXAMPLE: dict[str, Any] = {
    "type": "call",
    "direction": "outbound",
    "occurred_at": "2026-01-15T09:30:00Z",
    "summary": "Discussed the rollout plan; they want a pilot first.",
    "person_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f",
}


def _now() -> datetime:
    return datetime.now(UTC)


#: An interaction is with a person, a company or a deal (one or more of them).
_LINKED: dict[str, Any] = {
    "anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("person_id", "company_id", "deal_id")
    ]
}


class InteractionCreate(BaseModel):
    """An interaction with a `person_id`, a `company_id` or a `deal_id` (one or more)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE], **_LINKED})

    type: Type
    direction: Direction | None = None
    occurred_at: Time = Field(default_factory=_now, description="Default: now.")
    subject: Subject | None = None
    summary: Summary | None = None
    person_id: UUID | None = None
    company_id: UUID | None = None
    deal_id: UUID | None = None
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _linked(self) -> InteractionCreate:
        if self.person_id is None and self.company_id is None and self.deal_id is None:
            raise PydanticCustomError("link_required", "link a person_id, company_id or deal_id")
        return self


class InteractionUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"summary": "Pilot agreed for April."}]})
    required: ClassVar[frozenset[str]] = frozenset({"type", "occurred_at"})

    type: Type | None = None
    direction: Direction | None = None
    occurred_at: Time | None = None
    subject: Subject | None = None
    summary: Summary | None = None
    person_id: UUID | None = None
    company_id: UUID | None = None
    deal_id: UUID | None = None
    external_ref: ExternalRef | None = None


class Interaction(Record):
    type: Type
    direction: Direction | None
    occurred_at: datetime
    subject: str | None
    summary: str | None
    person_id: UUID | None
    company_id: UUID | None
    deal_id: UUID | None
    external_ref: str | None
    created_by: UUID | None
