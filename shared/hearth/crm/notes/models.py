from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from hearth.crm.links import Link, Links
from hearth.http.inputs import Patch, Text
from hearth.records.resource import Record

Body = Annotated[str, Text(10_000)]


class NoteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "body": "Met at the trade fair; wants a demo in March.",
                    "links": [{"type": "person", "id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}],
                }
            ]
        },
    )

    body: Body
    links: Links = []


class NoteUpdate(Patch):
    """The fields to change; `links` replaces the whole list."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Demo booked for 12 March."}]})
    required: ClassVar[frozenset[str]] = frozenset({"body", "links"})

    body: Body | None = None
    links: Links | None = None


class Note(Record):
    body: str
    links: list[Link]
    created_by: UUID | None
