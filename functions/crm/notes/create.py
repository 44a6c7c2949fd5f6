"""POST /v1/notes: create a note."""

from hearth.crm.notes import logic
from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.create_record(NOTES, logic.create, doc="Create a note linked to the records it is about.")

handler = api.handler
