"""GET /v1/tasks: list tasks (filters, sort, text search, cursor pagination)."""

from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.list_records(TASKS, doc="List tasks, newest first.")

handler = api.handler
