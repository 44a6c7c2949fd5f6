"""POST /v1/deals: create a deal."""

from hearth.crm.deals import logic
from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.create_record(
    DEALS, logic.create, doc="Create a deal, in the default pipeline's first stage unless told otherwise."
)

handler = api.handler
