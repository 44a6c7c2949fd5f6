"""The interactions table, as a resource of the route kit."""

from __future__ import annotations

from hearth.crm.interactions.models import Interaction
from hearth.listing import Field, Listing
from hearth.records.resource import RECORD_FIELDS, Reference, Resource

LISTING = Listing(
    select="SELECT r.* FROM interactions r",
    fields=(
        *RECORD_FIELDS,
        Field(
            "type", "choice", choices=("email", "sms", "call", "meeting", "note", "system"), nullable=False
        ),
        Field("direction", "choice", choices=("inbound", "outbound")),
        Field("occurred_at", "datetime", sortable=True, nullable=False),
        Field("person_id", "uuid"),
        Field("company_id", "uuid"),
        Field("deal_id", "uuid"),
        Field("external_ref", "text"),
        Field("created_by", "uuid"),
    ),
    search=("r.subject", "r.summary"),
    default_sort="-occurred_at",
)

INTERACTIONS = Resource(
    name="interaction",
    table="interactions",
    path="/v1/interactions",
    model=Interaction,
    listing=LISTING,
    references={
        "person_id": Reference("people", "person"),
        "company_id": Reference("companies", "company"),
        "deal_id": Reference("deals", "deal"),
    },
    owners=("created_by",),
    unique_exact=("external_ref",),
)
