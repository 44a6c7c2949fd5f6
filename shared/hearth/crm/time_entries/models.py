from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.http.inputs import Day, Patch
from hearth.records.resource import Record

Minutes = Annotated[int, Field(ge=1, le=1440, description="1 to 1440 (one day).")]
Note = Annotated[str, StringConstraints(max_length=2000)]


class TimeEntryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "project_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f",
                    "minutes": 90,
                    "entry_date": "2026-01-15",
                    "note": "Workshop with the client",
                }
            ]
        },
    )

    project_id: UUID
    task_id: UUID | None = Field(default=None, description="A task linked to the project.")
    member_id: UUID | None = Field(default=None, description="Who worked (a member); default: you.")
    minutes: Minutes
    entry_date: Day
    billable: bool = True
    note: Note | None = None


class TimeEntryUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"minutes": 120, "billable": False}]})
    required: ClassVar[frozenset[str]] = frozenset({"project_id", "minutes", "entry_date", "billable"})

    project_id: UUID | None = None
    task_id: UUID | None = None
    member_id: UUID | None = None
    minutes: Minutes | None = None
    entry_date: Day | None = None
    billable: bool | None = None
    note: Note | None = None


class TimeEntry(Record):
    project_id: UUID
    task_id: UUID | None
    member_id: UUID | None
    minutes: int
    entry_date: date
    billable: bool
    note: str | None
    created_by: UUID | None
