"""GET /v1/pipelines: list pipelines (filters, sort, text search, cursor pagination)."""

from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.list_records(PIPELINES, doc="List pipelines, oldest first, each with its stages in order.")

handler = api.handler
