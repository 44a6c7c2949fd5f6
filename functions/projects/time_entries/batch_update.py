"""POST /v1/time-entries/batch/update: change up to 100 time entries, with a result per item."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.batch_update_records(
    TIME_ENTRIES,
    logic.update,
    doc="Change time entries by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
