"""POST /v1/interactions/batch/create: create up to 100 interactions, with a result per item."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.batch_create_records(
    INTERACTIONS,
    logic.create,
    doc="Create interactions; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
