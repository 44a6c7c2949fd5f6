"""POST /v1/companies/batch/create: create up to 100 companies, with a result per item."""

from hearth.crm.companies import logic
from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.batch_create_records(
    COMPANIES,
    logic.create,
    doc="Create companies; each item succeeds or fails on its own (see `results[].status`).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
