"""GET /v1/notes: list notes (filters, sort, text search, cursor pagination)."""

from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.list_records(NOTES, doc="List notes, newest first.")

handler = api.handler
