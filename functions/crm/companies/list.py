"""GET /v1/companies: list companies (filters, sort, text search, cursor pagination)."""

from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.list_records(COMPANIES, doc="List companies, newest first.")

handler = api.handler
