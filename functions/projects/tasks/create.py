"""POST /v1/tasks: create a task."""

from hearth.crm.tasks import logic
from hearth.crm.tasks.store import TASKS
from hearth.records import routes

api = routes.create_record(
    TASKS, logic.create, doc="Create a task, with its links and the tasks it depends on."
)

handler = api.handler
