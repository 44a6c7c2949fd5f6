"""POST /v1/notes/batch/create: create up to 100 notes, with a result per item."""

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note, NoteCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/notes/batch/create", permission="notes:create")
def batch_create_notes(ctx: RequestContext, body: BatchCreate[NoteCreate]) -> BatchResult[Note]:
    """Create notes; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
