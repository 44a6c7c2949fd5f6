"""PATCH /v1/notes/{note_id}: change some fields of a note."""

from uuid import UUID

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note, NoteUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/notes/{note_id}", permission="notes:update")
def update_note(ctx: RequestContext, note_id: UUID, body: NoteUpdate) -> Note:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, note_id, body)


handler = api.handler
