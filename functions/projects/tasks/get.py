"""GET /v1/tasks/{task_id}: one task."""

from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.get_record(TASKS, doc="The task, with its ETag (send it back as If-Match when you change it).")

handler = api.handler
