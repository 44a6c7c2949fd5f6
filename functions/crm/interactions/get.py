"""GET /v1/interactions/{interaction_id}: one interaction."""

from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.get_record(
    INTERACTIONS, doc="The interaction, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
