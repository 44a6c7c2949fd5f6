"""POST /v1/notes/batch/create: create up to 100 notes, with a result per item."""

from hearth.crm.notes import logic
from hearth.crm.notes.store import NOTES
from hearth.records import routes

api = routes.batch_create_records(
    NOTES,
    logic.create,
    doc="Create notes; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
