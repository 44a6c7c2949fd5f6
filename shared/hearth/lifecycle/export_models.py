"""Exports as the API takes and shows them: what to export (``scope``) and the export's state,
with a download link once it is ready."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["org", "user", "project"]
Status = Literal["queued", "running", "completed", "failed"]


class ExportCreate(BaseModel):
    """What to export: the whole org (owners and admins), one project (owners and admins;
    `project_id` required) or your own data in this org (anyone)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scope": "org"},
                {"scope": "user"},
                {"scope": "project", "project_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"},
            ]
        },
    )

    scope: Scope = Field(description="`org`, `user` (your own data) or `project`.")
    project_id: UUID | None = Field(default=None, description="The project to export (scope `project` only).")


class Export(BaseModel):
    id: UUID
    scope: Scope
    project_id: UUID | None
    requested_by: UUID = Field(description="Who asked (for an API key, the user who created it).")
    status: Status = Field(description="`queued`, `running`, then `completed` or `failed`.")
    size_bytes: int | None = Field(description="The zip's size, once completed.")
    counts: dict[str, int] | None = Field(description="Rows exported per table, once completed.")
    schema_version: str | None = Field(description="The database migration the export was taken at.")
    error: str | None = Field(description="Why a failed export failed (a stable code).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the zip is deleted (two days after completion).")
    download_url: str | None = Field(
        default=None,
        description="`GET /v1/exports/{id}` only, while the zip exists: a link to it, valid 24 hours.",
    )
    download_expires_at: datetime | None = Field(
        default=None, description="When `download_url` stops working."
    )
    version: int
