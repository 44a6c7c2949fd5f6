"""POST /v1/notes: create a note."""

from hearth.crm.notes import logic
from hearth.crm.notes.models import Note, NoteCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/notes", permission="notes:create", status_code=201)
def create_note(ctx: RequestContext, body: NoteCreate) -> Note:
    """Create a note linked to the records it is about."""
    return logic.create(ctx, body)


handler = api.handler
