"""The AI assistant's requests and answers: runs, their application, usage and the org's settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.http.inputs import Patch, Text

TaskName = Literal["summarize", "draft_reply", "next_actions", "ask"]
SubjectType = Literal["company", "person", "deal", "project"]
Status = Literal["queued", "running", "completed", "failed"]
#: The kinds of personal data that can be redacted before a prompt leaves (``hearth.ai.redaction``).
RedactionKind = Literal["email", "phone", "card", "iban", "national_id"]
REDACTION_KINDS: tuple[str, ...] = ("email", "phone", "card", "iban", "national_id")

#: The permission that reads each subject type (what a run about it may show the model).
SUBJECT_PERMISSIONS: dict[str, str] = {
    "company": "companies:read",
    "person": "people:read",
    "deal": "deals:read",
    "project": "projects:read",
}
SUBJECT_TABLES: dict[str, str] = {
    "company": "companies",
    "person": "people",
    "deal": "deals",
    "project": "projects",
}


class Subject(BaseModel):
    """The record a run is about."""

    model_config = ConfigDict(extra="forbid")

    type: SubjectType
    id: UUID


class AiRunCreate(BaseModel):
    """Ask the assistant: a task, the record it is about (required by every task but `ask`) and
    your instructions (required by `ask`: the question)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "task": "summarize",
                    "subject": {"type": "deal", "id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"},
                },
                {
                    "task": "ask",
                    "instructions": "Which deals above 50,000 have had no interaction this month?",
                },
            ]
        },
    )

    task: TaskName = Field(
        description="`summarize` a company, person, deal or project; `draft_reply` to a person's latest"
        " thread; `next_actions` for a deal or project; `ask` a question about the org's CRM."
    )
    subject: Subject | None = None
    instructions: Annotated[str, Text(4000)] | None = None


class RunUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


class RunError(BaseModel):
    code: str
    message: str


class ShownRecord(BaseModel):
    type: str
    id: str


class AiRun(BaseModel):
    id: UUID
    user_id: UUID = Field(description="Who asked (for an API key, the user who created it).")
    task: TaskName
    subject: Subject | None
    instructions: str | None
    status: Status = Field(description="`queued`, `running`, then `completed` or `failed`.")
    output: dict[str, Any] | None = Field(description="The task's answer, in the task's output schema.")
    usage: RunUsage | None
    stop_reason: str | None
    shown: list[ShownRecord] = Field(description="The records the model was shown.")
    error: RunError | None = Field(description="Why a failed run failed (a stable code and a message).")
    applied: dict[str, UUID] = Field(
        description="`next_actions` runs: the suggested actions applied, index -> the task created."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    purged_at: datetime | None = Field(
        default=None,
        description="When the run's instructions, output and records shown were erased (retention).",
    )
    version: int


class AiRunApply(BaseModel):
    """The suggested actions to apply, by their index in the run's `output.actions`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"actions": [0, 2]}]})

    actions: Annotated[list[Annotated[int, Field(ge=0, le=99)]], Field(min_length=1, max_length=20)]


class AppliedAction(BaseModel):
    index: int
    task_id: UUID
    created: bool = Field(description="False when this action had been applied before (its task is kept).")


class AiRunApplied(BaseModel):
    run_id: UUID
    actions: list[AppliedAction]


class UsageRun(BaseModel):
    run_id: UUID
    task: TaskName
    user_id: UUID
    tokens: int
    recorded_at: datetime


class UsageMonth(BaseModel):
    month: date = Field(description="The first day of the month (UTC).")
    tokens: int
    runs: int


class AiUsage(BaseModel):
    month: date = Field(description="This month (its first day, UTC).")
    tokens_used: int
    tokens_limit: int = Field(description="The plan's tokens per month.")
    tokens_remaining: int
    runs: list[UsageRun] = Field(description="This month's runs, newest first (members: their own).")
    previous_months: list[UsageMonth] = Field(description="Totals of up to 12 earlier months, newest first.")


class AiSettings(BaseModel):
    redact: list[RedactionKind] = Field(
        description="The kinds of personal data replaced with placeholders before anything is sent to"
        " the model, and put back in what it answers (all by default)."
    )
    updated_at: datetime | None
    version: int


class AiSettingsUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"redact": ["email", "phone", "card"]}]})
    required: ClassVar[frozenset[str]] = frozenset({"redact"})

    redact: Annotated[list[RedactionKind], Field(max_length=len(REDACTION_KINDS))] | None = None
