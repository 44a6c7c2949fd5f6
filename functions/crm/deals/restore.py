"""POST /v1/deals/{deal_id}/restore: undo the soft delete of a deal."""

from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.restore_record(DEALS, doc="Restore a deleted deal.")

handler = api.handler
