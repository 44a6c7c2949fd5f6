"""DELETE /v1/companies/{company_id}: soft-delete a company."""

from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.delete_record(
    COMPANIES, doc="Soft-delete a company (restore it with POST …/restore). Members delete their own."
)

handler = api.handler
