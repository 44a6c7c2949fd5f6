"""POST /v1/tasks/batch/update: change up to 100 tasks, with a result per item."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.batch_update_records(
    TASKS,
    logic.update,
    doc="Change tasks by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
