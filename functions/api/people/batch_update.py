"""POST /v1/people/batch/update: change up to 100 people, with a result per item."""

from hearth.crm.people import logic
from hearth.crm.people.models import Person, PersonUpdate
from hearth.http import Api, RequestContext
from hearth.records.batching import BatchResult, BatchUpdate

api = Api()


@api.post("/v1/people/batch/update", permission="people:update")
def batch_update_people(ctx: RequestContext, body: BatchUpdate[PersonUpdate]) -> BatchResult[Person]:
    """Change people by id; each item succeeds or fails on its own (a stale `version` is 412)."""
    return logic.batch_update(ctx, body)


handler = api.handler
