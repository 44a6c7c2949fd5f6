"""PATCH /v1/notes/{note_id}: change some fields of a note."""

from hearth.crm.notes import logic
from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.update_record(
    NOTES, logic.update, doc="Change the fields sent (send If-Match with the ETag to avoid lost updates)."
)

handler = api.handler
