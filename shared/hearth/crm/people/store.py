"""The people table, as a resource of the route kit."""

from __future__ import annotations

from hearth.crm.people.models import Person
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Reference, Resource

LISTING = Listing(
    select="SELECT r.* FROM people r",
    fields=(
        *RECORD_FIELDS,
        Field("first_name", "text", sortable=True),
        Field("last_name", "text", sortable=True),
        Field("email", "text", sortable=True),
        Field("other_emails", "tags"),
        Field("phones", "tags"),
        Field("job_title", "text", sortable=True),
        Field("company_id", "uuid"),
        Field("owner_id", "uuid"),
        Field("created_by", "uuid"),
        Field("sms_opt_out", "bool", nullable=False),
        Field("tags", "tags"),
        Field("properties", "json"),
    ),
    search=(
        "concat_ws(' ', r.first_name, r.last_name)",
        "r.email",
        "array_to_string(r.other_emails, ' ')",
    ),
)

PEOPLE = Resource(
    name="person",
    table="people",
    path="/v1/people",
    model=Person,
    listing=LISTING,
    references={"company_id": Reference("companies", "company"), "owner_id": MEMBER},
    owners=("owner_id", "created_by"),
    history="person_id",
    unique=("email",),
    json_columns=frozenset({"properties"}),
)
