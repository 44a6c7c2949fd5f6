"""GET /v1/deals/{deal_id}: one deal."""

from hearth.crm.deals.store import DEALS
from hearth.records import routes

api = routes.get_record(DEALS, doc="The deal, with its ETag (send it back as If-Match when you change it).")

handler = api.handler
