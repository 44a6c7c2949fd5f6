from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field


class AuditLog(BaseModel):
    id: UUID
    seq: int
    occurred_at: datetime
    actor_type: Literal["user", "api_key", "system"]
    actor_id: str | None
    action: str
    resource_type: str
    resource_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    changes: dict[str, Any] | None
    hash: str


class AnchorCheck(BaseModel):
    """The chain against its anchors outside the database (written hourly to an S3 bucket under
    Object Lock, which nobody can change or delete during the retention period)."""

    status: Literal["matched", "mismatch", "missing", "not_reached", "not_configured", "unavailable"] = Field(
        description=(
            "`matched`: the chain holds every anchor; `mismatch`: it contradicts one (rewritten or"
            " cut after it was anchored; the chain is then not valid); `missing`: no anchor yet"
            " (heads are anchored hourly); `not_reached`: the chain broke before its anchors;"
            " `not_configured`: no anchor bucket here; `unavailable`: the anchors could not be read."
            " Only `matched` vouches for the rows up to the latest anchor."
        )
    )
    detail: str
    anchors_checked: int = Field(description="Anchors the chain was compared with and matched.")
    latest_seq: int | None = Field(default=None, description="The row of the latest matched anchor.")
    latest_anchored_at: datetime | None = None
    rows_after_anchor: int | None = Field(
        default=None, description="Rows written after the latest matched anchor (not anchored yet)."
    )


class ChainVerification(BaseModel):
    valid: bool
    rows_checked: int
    first_invalid_seq: int | None = None
    reason: str | None = None
    anchor: AnchorCheck
