from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field


class Event(BaseModel):
    """Something that happened in the org, as webhooks deliver it."""

    id: UUID = Field(description="Also the `webhook-id` of every delivery of this event.")
    type: str = Field(description="Like `company.created` or `deal.stage_changed`.")
    occurred_at: datetime
    actor_type: Literal["user", "api_key", "system"]
    actor_id: str | None
    resource_type: str
    resource_id: str | None
    data: dict[str, Any] = Field(description="The event's payload (what the webhook body carries).")
    request_id: str | None
