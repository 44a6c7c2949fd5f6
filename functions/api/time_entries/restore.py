"""POST /v1/time-entries/{time_entry_id}/restore: undo the soft delete of a time entry."""

from uuid import UUID

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/time-entries/{time_entry_id}/restore", permission="time_entries:delete")
def restore_time_entry(ctx: RequestContext, time_entry_id: UUID) -> TimeEntry:
    """Restore a deleted time entry."""
    return logic.restore(ctx, time_entry_id)


handler = api.handler
