"""POST /v1/notes/{note_id}/restore: undo the soft delete of a note."""

from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.restore_record(NOTES, doc="Restore a deleted note.")

handler = api.handler
