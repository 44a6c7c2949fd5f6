"""PATCH /v1/projects/{project_id}: change some fields of a project."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.update_record(
    PROJECTS,
    logic.update,
    doc="Change the fields sent (send If-Match with the ETag to avoid lost updates).",
)

handler = api.handler
