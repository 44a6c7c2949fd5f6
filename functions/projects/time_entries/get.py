"""GET /v1/time-entries/{time_entry_id}: one time entry."""

from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.get_record(
    TIME_ENTRIES, doc="The time entry, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
