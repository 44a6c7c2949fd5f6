"""POST /v1/projects/batch/create: create up to 100 projects, with a result per item."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.batch_create_records(
    PROJECTS,
    logic.create,
    doc="Create projects; each item succeeds or fails on its own (see `results[].status`).",
)

handler = api.handler
