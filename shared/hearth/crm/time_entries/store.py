"""The time_entries table, as a resource of the route kit."""

from __future__ import annotations

from uuid import UUID

from hearth.crm.time_entries.models import TimeEntry
from hearth.http.context import RequestContext
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Reference, Resource

LISTING = Listing(
    select="SELECT r.* FROM time_entries r",
    fields=(
        *RECORD_FIELDS,
        Field("project_id", "uuid", nullable=False),
        Field("task_id", "uuid"),
        Field("member_id", "uuid"),
        Field("minutes", "int", sortable=True, nullable=False),
        Field("entry_date", "date", sortable=True, nullable=False),
        Field("billable", "bool", nullable=False),
        Field("created_by", "uuid"),
    ),
    search=("r.note",),
    default_sort="-entry_date",
)

TIME_ENTRIES = Resource(
    name="time_entry",
    table="time_entries",
    path="/v1/time-entries",
    model=TimeEntry,
    listing=LISTING,
    references={
        "project_id": Reference("projects", "project"),
        "task_id": Reference("tasks", "task"),
        "member_id": MEMBER,
    },
    owners=("member_id", "created_by"),
)


def task_in_project(ctx: RequestContext, task_id: UUID, project_id: UUID) -> bool:
    row = ctx.db.execute(
        "SELECT 1 FROM task_links WHERE task_id = %s AND project_id = %s", (task_id, project_id)
    ).fetchone()
    return row is not None
