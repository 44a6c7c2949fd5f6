"""GET /v1/notes/{note_id}: one note."""

from uuid import UUID

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/notes/{note_id}", permission="notes:read")
def get_note(ctx: RequestContext, note_id: UUID, include_deleted: IncludeDeleted = False) -> Note:
    """The note, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, note_id, include_deleted=include_deleted)


handler = api.handler
