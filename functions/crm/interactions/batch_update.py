"""POST /v1/interactions/batch/update: change up to 100 interactions, with a result per item."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.batch_update_records(
    INTERACTIONS,
    logic.update,
    doc="Change interactions by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
