"""DELETE /v1/time-entries/{time_entry_id}: soft-delete a time entry."""

from uuid import UUID

from hearth.crm.time_entries import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/time-entries/{time_entry_id}", permission="time_entries:delete", status_code=204)
def delete_time_entry(ctx: RequestContext, time_entry_id: UUID) -> None:
    """Soft-delete a time entry. Members delete their own entries."""
    logic.delete(ctx, time_entry_id)


handler = api.handler
