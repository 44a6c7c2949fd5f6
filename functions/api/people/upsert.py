"""PUT /v1/people?match=email: create or update the person with a primary email."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.crm.people import logic
from hearth.crm.people.models import Person, PersonCreate
from hearth.http import Api, RequestContext

api = Api()


@api.put("/v1/people", permission="people:update", also_returns=(201,))
def upsert_person(
    ctx: RequestContext,
    body: PersonCreate,
    match: Annotated[Literal["email"], Query(description="The field that identifies the person.")] = "email",
) -> Person:
    """Update the live person with this email (the fields sent), or create them: 200 or 201."""
    return logic.upsert(ctx, body)


handler = api.handler
