"""POST /v1/projects: create a project."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.create_record(
    PROJECTS,
    logic.create,
    doc="Create a project, standalone or from a won deal (taking its name and company).",
)

handler = api.handler
