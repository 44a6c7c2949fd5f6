"""POST /v1/time-entries/batch/update: change up to 100 time entries, with a result per item."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry, TimeEntryUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/time-entries/batch/update", permission="time_entries:update")
def batch_update_time_entries(
    ctx: RequestContext, body: BatchUpdate[TimeEntryUpdate]
) -> BatchResult[TimeEntry]:
    """Change time entries by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
