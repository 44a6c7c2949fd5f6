"""POST /v1/notes/batch/update: change up to 100 notes, with a result per item."""

from hearth.crm.notes import logic
from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.batch_update_records(
    NOTES,
    logic.update,
    doc="Change notes by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
