"""POST /v1/deals/batch/create: create up to 100 deals, with a result per item."""

from hearth.crm.deals import logic
from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.batch_create_records(
    DEALS,
    logic.create,
    doc="Create deals; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
