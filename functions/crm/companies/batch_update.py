"""POST /v1/companies/batch/update: change up to 100 companies, with a result per item."""

from hearth.crm.companies import logic
from hearth.crm.companies.store import COMPANIES
from hearth.records import routes

api = routes.batch_update_records(
    COMPANIES,
    logic.update,
    doc="Change companies by id; each item succeeds or fails on its own (a stale `version` is 412).",
).throttled(rate=10, burst=20)  # up to 100 writes a request: all callers, 1,000 a second

handler = api.handler
