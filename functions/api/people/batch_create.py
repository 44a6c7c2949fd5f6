"""POST /v1/people/batch/create: create up to 100 people, with a result per item."""

from hearth.crm.people import logic
from hearth.crm.people.models import Person, PersonCreate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchCreate, BatchResult

api = Api()


@api.post("/v1/people/batch/create", permission="people:create")
def batch_create_people(ctx: RequestContext, body: BatchCreate[PersonCreate]) -> BatchResult[Person]:
    """Create people; each item succeeds or fails on its own (see `results[].status`)."""
    return logic.batch_create(ctx, body)


handler = api.handler
