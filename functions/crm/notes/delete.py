"""DELETE /v1/notes/{note_id}: soft-delete a note."""

from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.delete_record(NOTES, doc="Soft-delete a note. Members delete the notes they wrote.")

handler = api.handler
