"""POST /v1/notes/{note_id}/restore: undo the soft delete of a note."""

from uuid import UUID

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/notes/{note_id}/restore", permission="notes:delete")
def restore_note(ctx: RequestContext, note_id: UUID) -> Note:
    """Restore a deleted note."""
    return logic.restore(ctx, note_id)


handler = api.handler
