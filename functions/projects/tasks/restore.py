"""POST /v1/tasks/{task_id}/restore: undo the soft delete of a task."""

from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.restore_record(TASKS, doc="Restore a deleted task.")

handler = api.handler
