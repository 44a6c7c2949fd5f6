"""POST /v1/projects/batch/create: create up to 100 projects, with a result per item."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.batch_create_records(
    PROJECTS,
    logic.create,
    doc="Create projects; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
