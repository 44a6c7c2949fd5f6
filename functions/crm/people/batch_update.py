"""POST /v1/people/batch/update: change up to 100 people, with a result per item."""

from hearth.crm.people import logic
from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.batch_update_records(
    PEOPLE,
    logic.update,
    doc="Change people by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
