"""GET /v1/notes/{note_id}: one note."""

from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.get_record(NOTES, doc="The note, with its ETag (send it back as If-Match when you change it).")

handler = api.handler
