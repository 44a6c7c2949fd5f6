"""PUT /v1/companies?match=domain: create or update the company with a domain."""

from hearth.crm.companies import logic
from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.upsert_record(
    COMPANIES,
    "domain",
    create=logic.create,
    update=logic.update_fields,
    doc="Update the live company with this domain (the fields sent), or create it: 200 or 201.",
)

handler = api.handler
