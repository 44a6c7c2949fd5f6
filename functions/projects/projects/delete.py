"""DELETE /v1/projects/{project_id}: soft-delete a project."""

from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.delete_record(
    PROJECTS, doc="Soft-delete a project. Members delete the projects they own or created."
)

handler = api.handler
