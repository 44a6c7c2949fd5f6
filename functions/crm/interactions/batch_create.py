"""POST /v1/interactions/batch/create: create up to 100 interactions, with a result per item."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.batch_create_records(
    INTERACTIONS,
    logic.create,
    doc="Create interactions; each item succeeds or fails on its own (see `results[].status`).",
)

handler = api.handler
