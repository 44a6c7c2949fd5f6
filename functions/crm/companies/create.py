"""POST /v1/companies: create a company."""

from hearth.crm.companies import logic
from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.create_record(
    COMPANIES, logic.create, doc="Create a company. Its domain must not be used by another live company."
)

handler = api.handler
