"""POST /v1/time-entries: create a time entry."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry, TimeEntryCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/time-entries", permission="time_entries:create", status_code=201)
def create_time_entry(ctx: RequestContext, body: TimeEntryCreate) -> TimeEntry:
    """Log time on a project (and optionally one of its tasks); by default as yourself."""
    return logic.create(ctx, body)


handler = api.handler
