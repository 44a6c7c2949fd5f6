"""DELETE /v1/notes/{note_id}: soft-delete a note."""

from uuid import UUID

from hearth.crm.notes import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/notes/{note_id}", permission="notes:delete", status_code=204)
def delete_note(ctx: RequestContext, note_id: UUID) -> None:
    """Soft-delete a note. Members delete the notes they wrote."""
    logic.delete(ctx, note_id)


handler = api.handler
