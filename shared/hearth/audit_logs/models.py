from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel


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


class ChainVerification(BaseModel):
    valid: bool
    rows_checked: int
    first_invalid_seq: int | None = None
    reason: str | None = None
