"""PATCH /v1/time-entries/{time_entry_id}: change some fields of a time entry."""

from uuid import UUID

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry, TimeEntryUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/time-entries/{time_entry_id}", permission="time_entries:update")
def update_time_entry(ctx: RequestContext, time_entry_id: UUID, body: TimeEntryUpdate) -> TimeEntry:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, time_entry_id, body)


handler = api.handler
