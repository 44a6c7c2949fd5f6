from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

Status = Literal["pending", "succeeded", "failed"]
Trigger = Literal["automatic", "manual"]


class WebhookAttempt(BaseModel):
    """One POST to the endpoint, as support needs it to answer "did you send it?"."""

    attempt: int = Field(description="1 for the first attempt of the delivery.")
    trigger: Trigger
    url: str
    status_code: int | None = Field(description="The receiver's HTTP status; null when there was no answer.")
    response_body: str | None = Field(description="The first 4 KB of the receiver's answer.")
    duration_ms: int
    error: str | None
    next_attempt_at: datetime | None = Field(
        description="When the next attempt was scheduled after this one."
    )
    attempted_at: datetime


class WebhookDelivery(BaseModel):
    id: UUID
    endpoint_id: UUID
    event_id: UUID = Field(description="The event delivered; also the `webhook-id` header.")
    event_type: str
    status: Status
    attempt_count: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class WebhookDeliveryDetail(WebhookDelivery):
    attempts: list[WebhookAttempt]


class WebhookDeliverySummary(WebhookDelivery):
    last_attempt: WebhookAttempt | None = Field(
        description="The latest attempt (all of them: GET the delivery)."
    )
