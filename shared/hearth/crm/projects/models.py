from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from hearth.crm.fields import Name, Tags
from hearth.http.inputs import Day, Patch
from hearth.records.resource import Record

Status = Literal["planned", "active", "on_hold", "completed", "cancelled"]
Description = Annotated[str, StringConstraints(max_length=5000)]
Budget = Annotated[int, Field(ge=0, le=10_000_000, description="Time budget in minutes.")]
MemberRole = Literal["lead", "contributor"]

_EXAMPLE: dict[str, Any] = {
    "name": "Acme rollout",
    "status": "active",
    "start_date": "2026-02-01",
    "due_date": "2026-04-30",
    "budget_minutes": 12000,
}


#: A project has a name, or a deal to take it from.
_NAMED: dict[str, Any] = {
    "anyOf": [{"required": [name], "properties": {name: {"type": "string"}}} for name in ("name", "deal_id")]
}


class ProjectCreate(BaseModel):
    """A project: a `name` (or a won `deal_id` to take it from); `due_date` not before `start_date`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE], **_NAMED})

    name: Name | None = Field(default=None, description="Default (from a deal): the deal's name.")
    description: Description | None = None
    status: Status = "active"
    deal_id: UUID | None = Field(default=None, description="A won deal this project delivers (one per deal).")
    company_id: UUID | None = Field(default=None, description="Default (from a deal): the deal's company.")
    owner_id: UUID | None = Field(default=None, description="A member of the org.")
    start_date: Day | None = None
    due_date: Day | None = None
    budget_minutes: Budget | None = None
    tags: Tags = []

    @model_validator(mode="after")
    def _named(self) -> ProjectCreate:
        if self.name is None and self.deal_id is None:
            raise PydanticCustomError("name_required", "give a name (or a deal_id to take its name)")
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise PydanticCustomError("due_before_start", "due_date is before start_date")
        return self


class ProjectUpdate(Patch):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "on_hold", "budget_minutes": 15000}]}
    )
    required: ClassVar[frozenset[str]] = frozenset({"name", "status", "tags"})

    name: Name | None = None
    description: Description | None = None
    status: Status | None = None
    deal_id: UUID | None = None
    company_id: UUID | None = None
    owner_id: UUID | None = None
    start_date: Day | None = None
    due_date: Day | None = None
    budget_minutes: Budget | None = None
    tags: Tags | None = None


class Project(Record):
    name: str
    description: str | None
    status: Status
    deal_id: UUID | None
    company_id: UUID | None
    owner_id: UUID | None
    start_date: date | None
    due_date: date | None
    budget_minutes: int | None
    tags: list[str]
    created_by: UUID | None


class ProjectMemberAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"user_id": "5b8e2c1d-3a7f-4e29-8c64-7d9a0b1c2e3f", "role": "lead"}]},
    )

    user_id: UUID = Field(description="A member of the org.")
    role: MemberRole = "contributor"


class ProjectMember(BaseModel):
    project_id: UUID
    user_id: UUID
    role: MemberRole
    email: str | None
    name: str | None
    created_at: datetime


class TaskCounts(BaseModel):
    open: int
    in_progress: int
    done: int
    cancelled: int
    total: int


class ProjectSummary(BaseModel):
    project_id: UUID
    status: Status
    budget_minutes: int | None
    logged_minutes: int = Field(description="All live time entries of the project.")
    billable_minutes: int
    remaining_minutes: int | None = Field(description="Budget minus logged (negative when over budget).")
    budget_used_percent: float | None
    over_budget: bool
    tasks: TaskCounts = Field(description="Live tasks linked to the project, by status.")
    members: int
