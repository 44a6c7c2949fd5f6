"""POST /v1/time-entries/batch/create: create up to 100 time entries, with a result per item."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.batch_create_records(
    TIME_ENTRIES,
    logic.create,
    doc="Create time entries; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
