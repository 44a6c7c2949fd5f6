from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from hearth.crm.fields import Email, Phone, Properties, ShortText, Tags
from hearth.http.inputs import Patch, Text
from hearth.records.resource import Record

JobTitle = Annotated[str, Text(200)]
OtherEmails = Annotated[list[Email], Field(max_length=10)]
Phones = Annotated[list[Phone], Field(max_length=10, description="E.164 numbers, like +4930123456.")]

_EXAMPLE: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@acme.example",
    "phones": ["+4930123456"],
    "job_title": "Head of Engineering",
    "tags": ["champion"],
}


#: A person has a first or a last name (or both).
_NAMED: dict[str, Any] = {
    "anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("first_name", "last_name")
    ]
}


class PersonCreate(BaseModel):
    """A person: a `first_name` or a `last_name` (or both), the rest optional."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE], **_NAMED})

    first_name: ShortText | None = None
    last_name: ShortText | None = None
    email: Email | None = Field(default=None, description="Primary email; unique per org among live people.")
    other_emails: OtherEmails = []
    phones: Phones = []
    job_title: JobTitle | None = None
    company_id: UUID | None = None
    owner_id: UUID | None = Field(default=None, description="A member of the org.")
    sms_opt_out: bool = Field(default=False, description="Never send this person SMS.")
    tags: Tags = []
    properties: Properties = {}

    @model_validator(mode="after")
    def _named(self) -> PersonCreate:
        if self.first_name is None and self.last_name is None:
            raise PydanticCustomError("name_required", "give a first_name or a last_name")
        return self


class PersonUpdate(Patch):
    """The fields to change; others stay. `null` clears an optional field."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"job_title": "CTO", "sms_opt_out": True}]})
    required: ClassVar[frozenset[str]] = frozenset(
        {"other_emails", "phones", "sms_opt_out", "tags", "properties"}
    )

    first_name: ShortText | None = None
    last_name: ShortText | None = None
    email: Email | None = None
    other_emails: OtherEmails | None = None
    phones: Phones | None = None
    job_title: JobTitle | None = None
    company_id: UUID | None = None
    owner_id: UUID | None = None
    sms_opt_out: bool | None = None
    tags: Tags | None = None
    properties: Properties | None = None


class Person(Record):
    first_name: str | None
    last_name: str | None
    email: str | None
    other_emails: list[str]
    phones: list[str]
    job_title: str | None
    company_id: UUID | None
    owner_id: UUID | None
    sms_opt_out: bool
    tags: list[str]
    properties: dict[str, Any]
    created_by: UUID | None
