"""PATCH /v1/time-entries/{time_entry_id}: change some fields of a time entry."""

from hearth.crm.time_entries import logic
from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.update_record(
    TIME_ENTRIES,
    logic.update,
    doc="Change the fields sent (send If-Match with the ETag to avoid lost updates).",
)

handler = api.handler
