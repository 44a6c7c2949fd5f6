"""PATCH /v1/deals/{deal_id}: change some fields of a deal."""

from hearth.crm.deals import logic
from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.update_record(
    DEALS, logic.update, doc="Change the fields sent (send If-Match with the ETag to avoid lost updates)."
)

handler = api.handler
