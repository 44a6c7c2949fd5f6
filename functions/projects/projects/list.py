"""GET /v1/projects: list projects (filters, sort, text search, cursor pagination)."""

from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.list_records(PROJECTS, doc="List projects, newest first.")

handler = api.handler
