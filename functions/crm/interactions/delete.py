"""DELETE /v1/interactions/{interaction_id}: soft-delete an interaction."""

from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.delete_record(
    INTERACTIONS, doc="Soft-delete an interaction. Members delete the ones they recorded."
)

handler = api.handler
