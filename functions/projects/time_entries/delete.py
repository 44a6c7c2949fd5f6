"""DELETE /v1/time-entries/{time_entry_id}: soft-delete a time entry."""

from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.delete_record(TIME_ENTRIES, doc="Soft-delete a time entry. Members delete their own entries.")

handler = api.handler
