"""POST /v1/companies/{company_id}/restore: undo the soft delete of a company."""

from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.restore_record(
    COMPANIES, doc="Restore a deleted company (409 if a live company now has its domain)."
)

handler = api.handler
