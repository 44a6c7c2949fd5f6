"""POST /v1/companies/batch/create: create up to 100 companies, with a result per item."""

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company, CompanyCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/companies/batch/create", permission="companies:create")
def batch_create_companies(ctx: RequestContext, body: BatchCreate[CompanyCreate]) -> BatchResult[Company]:
    """Create companies; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
