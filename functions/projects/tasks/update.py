"""PATCH /v1/tasks/{task_id}: change some fields of a task."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.update_record(
    TASKS, logic.update, doc="Change the fields sent (send If-Match with the ETag to avoid lost updates)."
)

handler = api.handler
