"""POST /v1/interactions/{interaction_id}/restore: undo the soft delete of an interaction."""

from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.restore_record(
    INTERACTIONS, doc="Restore a deleted interaction (409 if its external_ref was recorded again)."
)

handler = api.handler
