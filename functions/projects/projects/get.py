"""GET /v1/projects/{project_id}: one project."""

from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.get_record(
    PROJECTS, doc="The project, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
