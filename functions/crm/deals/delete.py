"""DELETE /v1/deals/{deal_id}: soft-delete a deal."""

from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.delete_record(
    DEALS, doc="Soft-delete a deal (restore with POST …/restore). Members delete their own."
)

handler = api.handler
