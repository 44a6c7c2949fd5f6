from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.crm.links import Link, Links
from hearth.http.inputs import Day, Patch, Text
from hearth.records.resource import Record

Status = Literal["open", "in_progress", "done", "cancelled"]
Priority = Literal["low", "normal", "high", "urgent"]
Title = Annotated[str, Text(300)]
Body = Annotated[str, StringConstraints(max_length=10_000)]
DependsOn = Annotated[
    list[UUID],
    Field(max_length=50, description="Tasks that must be done (or cancelled) before this one can be done."),
]

_EXAMPLE: dict[str, Any] = {
    "title": "Send the proposal",
    "due_date": "2026-02-01",
    "priority": "high",
    "links": [{"type": "deal", "id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}],
}


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    title: Title
    body: Body | None = None
    due_date: Day | None = None
    status: Status = "open"
    priority: Priority = "normal"
    assignee_id: UUID | None = Field(default=None, description="A member of the org.")
    links: Links = []
    depends_on: DependsOn = []


class TaskUpdate(Patch):
    """The fields to change; others stay. `links` and `depends_on` replace the whole list."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "done"}]})
    required: ClassVar[frozenset[str]] = frozenset({"title", "status", "priority", "links", "depends_on"})

    title: Title | None = None
    body: Body | None = None
    due_date: Day | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: UUID | None = None
    links: Links | None = None
    depends_on: DependsOn | None = None


class Task(Record):
    key: str = Field(
        description="The task's key: the org's task key prefix and the task's number (`HRT-42`)."
    )
    number: int = Field(description="Sequential per org, from 1.")
    title: str
    body: str | None
    due_date: date | None
    status: Status
    priority: Priority
    assignee_id: UUID | None
    completed_at: datetime | None
    links: list[Link]
    depends_on: list[UUID]
    created_by: UUID | None
