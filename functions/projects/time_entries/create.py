"""POST /v1/time-entries: create a time entry."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.create_record(
    TIME_ENTRIES,
    logic.create,
    doc="Log time on a project (and optionally one of its tasks); by default as yourself.",
)

handler = api.handler
