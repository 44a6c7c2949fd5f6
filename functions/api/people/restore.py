"""POST /v1/people/{person_id}/restore: undo the soft delete of a person."""

from uuid import UUID

from hearth.crm.people import logic
from hearth.crm.people.models import Person
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/people/{person_id}/restore", permission="people:delete")
def restore_person(ctx: RequestContext, person_id: UUID) -> Person:
    """Restore a deleted person (409 if a live person now has the email)."""
    return logic.restore(ctx, person_id)


handler = api.handler
