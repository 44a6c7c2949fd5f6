"""POST /v1/companies/{company_id}/restore: undo the soft delete of a company."""

from uuid import UUID

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/companies/{company_id}/restore", permission="companies:delete")
def restore_company(ctx: RequestContext, company_id: UUID) -> Company:
    """Restore a deleted company (409 if a live company now has its domain)."""
    return logic.restore(ctx, company_id)


handler = api.handler
