from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.crm.fields import Currency, Domain, MinorUnits, Name, Properties, ShortText, Tags
from hearth.http.inputs import Patch, Text
from hearth.records.resource import Record

Line = Annotated[str, Text(200)]
#: Two letters, any case; stored upper case.
CountryCode = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line1: Line | None = None
    line2: Line | None = None
    city: Line | None = None
    region: Line | None = None
    postal_code: Annotated[str, Text(20)] | None = None
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2, like DE.")


_EXAMPLE: dict[str, Any] = {
    "name": "Acme GmbH",
    "domain": "acme.example",
    "industry": "Manufacturing",
    "employee_count": 120,
    "annual_revenue": 1250000000,
    "annual_revenue_currency": "EUR",
    "address": {"line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    "tags": ["customer"],
    "properties": {"tier": "gold"},
}


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: Name
    domain: Domain | None = Field(default=None, description="Unique per org among live companies.")
    industry: ShortText | None = None
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: MinorUnits | None = None
    annual_revenue_currency: Currency | None = Field(
        default=None, description="Required with annual_revenue."
    )
    address: Address | None = None
    owner_id: UUID | None = Field(default=None, description="A member of the org.")
    tags: Tags = []
    properties: Properties = {}


class CompanyUpdate(Patch):
    """The fields to change; others stay. `null` clears an optional field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"employee_count": 150, "tags": ["customer", "vip"]}]}
    )
    required: ClassVar[frozenset[str]] = frozenset({"name", "tags", "properties"})

    name: Name | None = None
    domain: Domain | None = None
    industry: ShortText | None = None
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: MinorUnits | None = None
    annual_revenue_currency: Currency | None = None
    address: Address | None = None
    owner_id: UUID | None = None
    tags: Tags | None = None
    properties: Properties | None = None


class Company(Record):
    name: str
    domain: str | None
    industry: str | None
    employee_count: int | None
    annual_revenue: int | None
    annual_revenue_currency: str | None
    address: Address | None
    owner_id: UUID | None
    tags: list[str]
    properties: dict[str, Any]
    created_by: UUID | None
