"""GET /v1/people/{person_id}/timeline: the person's interactions, notes, tasks and field changes."""

from hearth.crm.people.store import PEOPLE
from hearth.crm.timeline.routes import timeline_route

api = timeline_route(
    PEOPLE,
    doc="Everything about the person, newest first: interactions, linked notes and tasks, field changes.",
)

handler = api.handler
