"""GET /v1/companies/{company_id}/timeline: the company's interactions, notes, tasks and field changes."""

from hearth.crm.companies.store import COMPANIES
from hearth.crm.timeline.routes import timeline_route

api = timeline_route(
    COMPANIES,
    doc="Everything about the company, newest first: interactions, linked notes and tasks, field changes.",
)

handler = api.handler
