"""PUT /v1/companies?match=domain: create or update the company with a domain."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.crm.companies import logic
from hearth.crm.companies.models import Company, CompanyCreate
from hearth.http import Api, RequestContext

api = Api()


@api.put("/v1/companies", permission="companies:update", also_returns=(201,))
def upsert_company(
    ctx: RequestContext,
    body: CompanyCreate,
    match: Annotated[
        Literal["domain"], Query(description="The field that identifies the company.")
    ] = "domain",
) -> Company:
    """Update the live company with this domain (the fields sent), or create it: 200 or 201."""
    return logic.upsert(ctx, body)


handler = api.handler
