"""GET /v1/time-entries/{time_entry_id}: one time entry."""

from uuid import UUID

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/time-entries/{time_entry_id}", permission="time_entries:read")
def get_time_entry(
    ctx: RequestContext, time_entry_id: UUID, include_deleted: IncludeDeleted = False
) -> TimeEntry:
    """The time entry, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, time_entry_id, include_deleted=include_deleted)


handler = api.handler
