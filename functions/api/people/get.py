"""GET /v1/people/{person_id}: one person."""

from uuid import UUID

from hearth.crm.people import logic
from hearth.crm.people.models import Person
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/people/{person_id}", permission="people:read")
def get_person(ctx: RequestContext, person_id: UUID, include_deleted: IncludeDeleted = False) -> Person:
    """The person, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, person_id, include_deleted=include_deleted)


handler = api.handler
