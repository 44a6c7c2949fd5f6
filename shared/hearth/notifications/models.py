"""Notifications and notification preferences as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

NotificationType = Literal[
    "task_assigned",
    "task_due",
    "task_overdue",
    "deal_won",
    "deal_lost",
    "mention",
    "invitation",
    "export_ready",
]
#: Every notification type, in the order preferences are listed.
TYPES: tuple[str, ...] = (
    "task_assigned",
    "task_due",
    "task_overdue",
    "deal_won",
    "deal_lost",
    "mention",
    "invitation",
    "export_ready",
)


class NotificationResource(BaseModel):
    """What a notification is about."""

    type: str = Field(description="`task`, `deal`, `note`, `invitation` or `export`.")
    id: UUID


class Notification(BaseModel):
    id: UUID
    type: NotificationType
    resource: NotificationResource
    title: str
    body: str | None
    read: bool
    created_at: datetime
    read_at: datetime | None


class NotificationsRead(BaseModel):
    """How many notifications were marked read now (those read before are not counted)."""

    marked: int


class UnreadCount(BaseModel):
    unread: int


class Preference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: NotificationType
    in_app: bool = Field(description="Shown in `GET /v1/notifications`.")
    email: bool = Field(description="Sent by email to your verified address.")


class Preferences(BaseModel):
    """Your channels for every notification type (the defaults where you chose none)."""

    preferences: list[Preference]


class PreferencesUpdate(BaseModel):
    """The channels of the types you list; every type you do not list goes back to its default."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"preferences": [{"type": "deal_won", "in_app": True, "email": True}]}]
        },
    )

    preferences: list[Preference] = Field(max_length=len(TYPES))
