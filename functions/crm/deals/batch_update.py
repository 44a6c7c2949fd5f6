"""POST /v1/deals/batch/update: change up to 100 deals, with a result per item."""

from hearth.crm.deals import logic
from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.batch_update_records(
    DEALS,
    logic.update,
    doc="Change deals by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
