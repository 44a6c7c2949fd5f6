"""GET /v1/interactions: list interactions (filters, sort, text search, cursor pagination)."""

from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.list_records(INTERACTIONS, doc="List interactions, most recent first.")

handler = api.handler
