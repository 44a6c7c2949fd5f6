"""Campaigns' requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from hearth.email.models import Address, Category, Variables
from hearth.http.inputs import Text

#: The most person ids one campaign names (a tag reaches any number of people).
MAX_PERSON_IDS = 10_000
CampaignStatus = Literal["queued", "expanding", "expanded", "failed"]


class EmailCampaignCreate(BaseModel):
    """Send the template ``template_id`` to the people ``person_ids`` names and/or every person
    tagged ``tag`` (each person once, at their email). ``category`` is ``marketing`` unless given:
    each email carries its recipient's one-click unsubscribe link."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "December newsletter",
                    "template_id": "0b0e5f0e-5d8a-4c6b-9a51-2f7a3c1d9e10",
                    "tag": "newsletter",
                }
            ]
        },
    )

    name: Annotated[str, Text(200)]
    template_id: UUID
    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PERSON_IDS)
    tag: Annotated[str, Text(100)] | None = None
    variables: Variables = Field(default_factory=dict)
    from_: Address | None = Field(default=None, alias="from")
    reply_to: Address | None = None
    category: Category = "marketing"

    @model_validator(mode="after")
    def _audience(self) -> EmailCampaignCreate:
        if not self.person_ids and self.tag is None:
            raise PydanticCustomError("audience_required", "Give person_ids and/or tag.")
        return self


class CampaignCounts(BaseModel):
    """What became of the campaign's recipients so far: people reached (``recipients``), skipped
    (``suppressed``, ``no_address``), and their emails by status."""

    recipients: int
    suppressed: int
    no_address: int
    queued: int
    sending: int
    sent: int
    delivered: int
    bounced: int
    complained: int
    failed: int


class EmailCampaign(BaseModel):
    """A campaign: the template sent to many people."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID
    name: str
    status: CampaignStatus = Field(
        description="queued, expanding (emails being made), expanded (every recipient has one), failed."
    )
    category: Category
    template_id: UUID
    from_: str = Field(alias="from")
    reply_to: str | None
    person_ids: list[UUID]
    tag: str | None
    planned: int = Field(description="The people the audience named when the campaign was accepted.")
    counts: CampaignCounts
    error_code: str | None
    created_by: str
    created_at: datetime
    expanded_at: datetime | None
    updated_at: datetime
    version: int
