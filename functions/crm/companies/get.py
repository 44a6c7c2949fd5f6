"""GET /v1/companies/{company_id}: one company."""

from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.get_record(
    COMPANIES, doc="A company, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
