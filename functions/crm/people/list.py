"""GET /v1/people: list people (filters, sort, text search, cursor pagination)."""

from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.list_records(PEOPLE, doc="List people, newest first.")

handler = api.handler
