from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.crm.fields import Currency, MinorUnits, Name, Properties, Tags
from hearth.http.inputs import Day, Patch, Text
from hearth.records.resource import Record

Status = Literal["open", "won", "lost"]
LostReason = Annotated[str, Text(500)]

_EXAMPLE: dict[str, Any] = {
    "name": "Acme rollout",
    "amount": 4800000,
    "currency": "EUR",
    "expected_close_date": "2026-03-31",
    "tags": ["enterprise"],
}


class DealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: Name
    amount: MinorUnits | None = None
    currency: Currency | None = Field(default=None, description="Required with amount.")
    pipeline_id: UUID | None = Field(default=None, description="Default: the org's default pipeline.")
    stage_id: UUID | None = Field(default=None, description="A stage of the pipeline; default: its first.")
    expected_close_date: Day | None = None
    company_id: UUID | None = None
    primary_contact_id: UUID | None = Field(default=None, description="A person.")
    owner_id: UUID | None = Field(default=None, description="A member of the org.")
    status: Status = "open"
    lost_reason: LostReason | None = Field(default=None, description="Required when status is lost.")
    tags: Tags = []
    properties: Properties = {}


class DealUpdate(Patch):
    """The fields to change; others stay. Moving to another pipeline without a stage puts the deal
    in that pipeline's first stage."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"stage_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f", "amount": 5200000}]
        }
    )
    required: ClassVar[frozenset[str]] = frozenset(
        {"name", "pipeline_id", "stage_id", "status", "tags", "properties"}
    )

    name: Name | None = None
    amount: MinorUnits | None = None
    currency: Currency | None = None
    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    expected_close_date: Day | None = None
    company_id: UUID | None = None
    primary_contact_id: UUID | None = None
    owner_id: UUID | None = None
    status: Status | None = None
    lost_reason: LostReason | None = None
    tags: Tags | None = None
    properties: Properties | None = None


class Deal(Record):
    name: str
    amount: int | None
    currency: str | None
    pipeline_id: UUID
    stage_id: UUID
    expected_close_date: date | None
    company_id: UUID | None
    primary_contact_id: UUID | None
    owner_id: UUID | None
    status: Status
    lost_reason: str | None
    closed_at: datetime | None = Field(description="When the deal was won or lost.")
    tags: list[str]
    properties: dict[str, Any]
    created_by: UUID | None


class StageChange(BaseModel):
    """One entry of a deal's stage history (the first is where the deal started)."""

    id: UUID
    deal_id: UUID
    pipeline_id: UUID
    from_stage_id: UUID | None
    to_stage_id: UUID
    changed_at: datetime
    actor_type: Literal["user", "api_key", "system"]
    actor_id: str | None
