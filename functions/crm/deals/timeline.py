"""GET /v1/deals/{deal_id}/timeline: the deal's interactions, notes, tasks and field changes."""

from hearth.crm.deals.store import DEALS
from hearth.crm.timeline.routes import timeline_route

api = timeline_route(
    DEALS,
    doc="Everything about the deal, newest first: interactions, linked notes and tasks, field changes.",
)

handler = api.handler
