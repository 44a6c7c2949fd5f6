"""Deleting an org: the confirmation asked for, and the deletion's state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.http.inputs import Text


class OrgDeletionRequest(BaseModel):
    """Confirm by the org's name, exactly as it is (send `If-Match` with the org's ETag)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"confirm_name": "Acme"}]})

    confirm_name: Annotated[str, Text(200)] = Field(description="The org's current name.")


class OrgDeletion(BaseModel):
    id: UUID
    name: str
    deleted_at: datetime | None = Field(description="When the org was deleted (none once restored).")
    deleted_by: UUID | None
    restorable_until: datetime | None = Field(
        description="Until when an owner may restore it (`POST /v1/orgs/current/restore`); after it"
        " the org's data is removed for good."
    )
    version: int
