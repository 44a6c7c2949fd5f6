"""GET /v1/deals: list deals (filters, sort, text search, cursor pagination)."""

from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.list_records(DEALS, doc="List deals, newest first.")

handler = api.handler
