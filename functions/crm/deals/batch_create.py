"""POST /v1/deals/batch/create: create up to 100 deals, with a result per item."""

from hearth.crm.deals import logic
from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.batch_create_records(
    DEALS,
    logic.create,
    doc="Create deals; each item succeeds or fails on its own (see `results[].status`).",
)

handler = api.handler
