"""POST /v1/people: create a person."""

from hearth.crm.people import logic
from hearth.crm.people.models import Person, PersonCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/people", permission="people:create", status_code=201)
def create_person(ctx: RequestContext, body: PersonCreate) -> Person:
    """Create a person. The primary email must not be used by another live person."""
    return logic.create(ctx, body)


handler = api.handler
