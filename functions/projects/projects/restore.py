"""POST /v1/projects/{project_id}/restore: undo the soft delete of a project."""

from hearth.crm.projects import logic
from hearth.crm.projects.store import PROJECTS
from hearth.records import routes

api = routes.restore_record(PROJECTS, doc="Restore a deleted project.", restore=logic.restore)

handler = api.handler
