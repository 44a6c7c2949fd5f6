"""PATCH /v1/companies/{company_id}: change some fields of a company."""

from hearth.crm.companies import logic
from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.update_record(
    COMPANIES,
    logic.update,
    doc="Change the fields sent (send If-Match with the ETag to avoid lost updates).",
)

handler = api.handler
