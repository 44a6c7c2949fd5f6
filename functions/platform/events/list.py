"""GET /v1/events: the org's domain events, newest first."""

from hearth.events.logic import LISTING
from hearth.events.models import Event
from hearth.records import routes

api = routes.list_rows(
    "/v1/events",
    LISTING,
    Event,
    permission="events:read",
    doc="List events (admins and owners), filtered by type, resource and time.",
    operation_id="list_events",
)
handler = api.handler
