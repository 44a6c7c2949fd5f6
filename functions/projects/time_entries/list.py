"""GET /v1/time-entries: list time entries (filters, sort, text search, cursor pagination)."""

from hearth.crm.time_entries.store import TIME_ENTRIES
from hearth.records import routes

api = routes.list_records(TIME_ENTRIES, doc="List time entries, latest date first.")

handler = api.handler
