from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

ItemType = Literal["interaction", "note", "task", "field_change"]
ITEM_TYPES: tuple[ItemType, ...] = ("interaction", "note", "task", "field_change")


class TimelineItem(BaseModel):
    type: ItemType
    id: UUID = Field(description="The interaction, note or task (or the change entry).")
    occurred_at: datetime = Field(description="When it happened (notes and tasks: when they were written).")
    summary: str = Field(description="One line to show.")
    actor_type: Literal["user", "api_key", "system"] | None
    actor_id: str | None
    data: dict[str, Any] = Field(description="The item's details; a field change: {field: {from, to}}.")
