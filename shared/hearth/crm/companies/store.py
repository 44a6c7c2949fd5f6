"""The companies table, as a resource of the route kit."""

from __future__ import annotations

from hearth.crm.companies.models import Company
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Resource

LISTING = Listing(
    select="SELECT r.* FROM companies r",
    fields=(
        *RECORD_FIELDS,
        Field("name", "text", sortable=True, nullable=False),
        Field("domain", "text", sortable=True),
        Field("industry", "text", sortable=True),
        Field("employee_count", "int", sortable=True),
        Field("annual_revenue", "int", sortable=True),
        Field("annual_revenue_currency", "text"),
        Field("owner_id", "uuid"),
        Field("created_by", "uuid"),
        Field("tags", "tags"),
        Field("address", "json"),
        Field("properties", "json"),
    ),
    search=("r.name", "r.domain"),
)

COMPANIES = Resource(
    name="company",
    table="companies",
    path="/v1/companies",
    model=Company,
    listing=LISTING,
    references={"owner_id": MEMBER},
    owners=("owner_id", "created_by"),
    history="company_id",
    unique=("domain",),
    json_columns=frozenset({"address", "properties"}),
)
