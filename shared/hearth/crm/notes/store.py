"""The notes table (a resource of the route kit) and its links."""

from __future__ import annotations

from hearth.crm.links import LinkTable
from hearth.crm.notes.models import Note
from hearth.listing import Field, Listing
from hearth.records.resource import RECORD_FIELDS, Resource

LINKS = LinkTable("note_links", "note_id")

LISTING = Listing(
    select="SELECT r.* FROM notes r",
    fields=(*RECORD_FIELDS, Field("created_by", "uuid"), *LINKS.filters()),
    search=("r.body",),
)

NOTES = Resource(
    name="note",
    table="notes",
    path="/v1/notes",
    model=Note,
    listing=LISTING,
    owners=("created_by",),
    decorate=LINKS.load,
)
