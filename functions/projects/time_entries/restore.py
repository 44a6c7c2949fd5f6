"""POST /v1/time-entries/{time_entry_id}/restore: undo the soft delete of a time entry."""

from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.restore_record(TIME_ENTRIES, doc="Restore a deleted time entry.")

handler = api.handler
