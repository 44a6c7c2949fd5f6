"""POST /v1/interactions: create an interaction."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.store import INTERACTIONS
from hearth.records import routes

api = routes.create_record(
    INTERACTIONS,
    logic.create,
    doc="Record an interaction with a person, company and/or deal (409 for a known external_ref).",
)

handler = api.handler
