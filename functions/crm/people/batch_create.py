"""POST /v1/people/batch/create: create up to 100 people, with a result per item."""

from hearth.crm.people import logic
from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.batch_create_records(
    PEOPLE,
    logic.create,
    doc="Create people; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
