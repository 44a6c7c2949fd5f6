"""POST /v1/companies: create a company."""

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company, CompanyCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/companies", permission="companies:create", status_code=201)
def create_company(ctx: RequestContext, body: CompanyCreate) -> Company:
    """Create a company. Its domain must not be used by another live company."""
    return logic.create(ctx, body)


handler = api.handler
