"""POST /v1/notes/batch/update: change up to 100 notes, with a result per item."""

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note, NoteUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/notes/batch/update", permission="notes:update")
def batch_update_notes(ctx: RequestContext, body: BatchUpdate[NoteUpdate]) -> BatchResult[Note]:
    """Change notes by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
