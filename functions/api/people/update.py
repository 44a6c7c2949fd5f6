"""PATCH /v1/people/{person_id}: change some fields of a person."""

from uuid import UUID

from hearth.crm.people import logic
from hearth.crm.people.models import Person, PersonUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/people/{person_id}", permission="people:update")
def update_person(ctx: RequestContext, person_id: UUID, body: PersonUpdate) -> Person:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, person_id, body)


handler = api.handler
