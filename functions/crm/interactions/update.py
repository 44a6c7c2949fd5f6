"""PATCH /v1/interactions/{interaction_id}: change some fields of an interaction."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.update_record(
    INTERACTIONS,
    logic.update,
    doc="Change the fields sent (send If-Match with the ETag to avoid lost updates).",
)

handler = api.handler
