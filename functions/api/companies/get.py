"""GET /v1/companies/{company_id}: one company."""

from uuid import UUID

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/companies/{company_id}", permission="companies:read")
def get_company(ctx: RequestContext, company_id: UUID, include_deleted: IncludeDeleted = False) -> Company:
    """A company, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, company_id, include_deleted=include_deleted)


handler = api.handler
