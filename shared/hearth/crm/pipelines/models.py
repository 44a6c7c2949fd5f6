from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.crm.fields import ShortText
from hearth.http.inputs import Patch
from hearth.records.resource import Record

Probability = Annotated[int, Field(ge=0, le=100, description="Win probability in percent.")]
Position = Annotated[int, Field(ge=0, le=1000, description="Stages are ordered by position, then age.")]


class StageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    probability: Probability


class StageCreate(StageSpec):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Demo", "probability": 40, "position": 2}]}
    )

    position: Position | None = Field(default=None, description="Default: after the last stage.")


class StageUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"probability": 50}]})
    required: ClassVar[frozenset[str]] = frozenset({"name", "probability", "position"})

    name: ShortText | None = None
    probability: Probability | None = None
    position: Position | None = None


class Stage(Record):
    pipeline_id: UUID
    name: str
    position: int
    probability: int


class PipelineCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Partnerships",
                    "stages": [
                        {"name": "Intro", "probability": 10},
                        {"name": "Pilot", "probability": 50},
                        {"name": "Contract", "probability": 90},
                    ],
                }
            ]
        },
    )

    name: ShortText
    is_default: bool = Field(
        default=False, description="Make it the org's default (the old one stops being it)."
    )
    stages: list[StageSpec] = Field(min_length=1, max_length=50, description="In order.")


class PipelineUpdate(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "New business", "is_default": True}]})
    required: ClassVar[frozenset[str]] = frozenset({"name", "is_default"})

    name: ShortText | None = None
    is_default: Literal[True] | None = Field(
        default=None, description="Only `true`: to change the default, make another pipeline the default."
    )


class Pipeline(Record):
    name: str
    is_default: bool
    stages: list[Stage] = Field(description="Live stages, in order.")
    created_by: UUID | None
