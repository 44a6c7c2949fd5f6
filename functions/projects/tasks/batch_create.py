"""POST /v1/tasks/batch/create: create up to 100 tasks, with a result per item."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.batch_create_records(
    TASKS,
    logic.create,
    doc="Create tasks; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
