"""DELETE /v1/companies/{company_id}: soft-delete a company."""

from uuid import UUID

from hearth.crm.companies import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/companies/{company_id}", permission="companies:delete", status_code=204)
def delete_company(ctx: RequestContext, company_id: UUID) -> None:
    """Soft-delete a company (restore it with POST …/restore). Members delete their own."""
    logic.delete(ctx, company_id)


handler = api.handler
