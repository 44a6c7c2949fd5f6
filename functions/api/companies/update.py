"""PATCH /v1/companies/{company_id}: change some fields of a company."""

from uuid import UUID

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company, CompanyUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/companies/{company_id}", permission="companies:update")
def update_company(ctx: RequestContext, company_id: UUID, body: CompanyUpdate) -> Company:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, company_id, body)


handler = api.handler
