"""DELETE /v1/tasks/{task_id}: soft-delete a task."""

from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.delete_record(
    TASKS, doc="Soft-delete a task. Members delete tasks assigned to or created by them."
)

handler = api.handler
