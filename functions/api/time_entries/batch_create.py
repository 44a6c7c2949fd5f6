"""POST /v1/time-entries/batch/create: create up to 100 time entries, with a result per item."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.models import TimeEntry, TimeEntryCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/time-entries/batch/create", permission="time_entries:create")
def batch_create_time_entries(
    ctx: RequestContext, body: BatchCreate[TimeEntryCreate]
) -> BatchResult[TimeEntry]:
    """Create time entries; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
