"""POST /v1/companies/batch/update: change up to 100 companies, with a result per item."""

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company, CompanyUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/companies/batch/update", permission="companies:update")
def batch_update_companies(ctx: RequestContext, body: BatchUpdate[CompanyUpdate]) -> BatchResult[Company]:
    """Change companies by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
