"""POST /v1/projects/batch/update: change up to 100 projects, with a result per item."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.batch_update_records(
    PROJECTS,
    logic.update,
    doc="Change projects by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
