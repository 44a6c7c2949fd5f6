"""DELETE /v1/people/{person_id}: soft-delete a person."""

from uuid import UUID

from hearth.crm.people import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/people/{person_id}", permission="people:delete", status_code=204)
def delete_person(ctx: RequestContext, person_id: UUID) -> None:
    """Soft-delete a person (restore with POST …/restore). Members delete their own."""
    logic.delete(ctx, person_id)


handler = api.handler
