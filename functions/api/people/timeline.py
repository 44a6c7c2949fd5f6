"""GET /v1/people/{person_id}/timeline: the person's interactions, notes, tasks and field changes."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.crm.people.store import PEOPLE
from hearth.crm.timeline import logic
from hearth.crm.timeline.models import TimelineItem
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext

api = Api()


@api.get("/v1/people/{person_id}/timeline", permission="people:read")
def person_timeline(
    ctx: RequestContext,
    person_id: UUID,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    types: Annotated[
        str | None, Query(description="Comma-separated: interaction, note, task, field_change.")
    ] = None,
) -> Page[TimelineItem]:
    """Everything about the person, newest first: interactions, linked notes and tasks, field changes."""
    return logic.timeline(ctx, PEOPLE, "person_id", person_id, limit=limit, cursor=cursor, types=types)


handler = api.handler
