"""GET /v1/events: the org's domain events, newest first."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.events import logic
from hearth.events.models import Event, EventFilter
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext

api = Api()


@api.get("/v1/events", permission="events:read")
def list_events(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    type: Annotated[
        str | None, Query(description="Exact type (`deal.won`) or a wildcard (`deal.*`).")
    ] = None,
    resource_type: Annotated[str | None, Query(description="Like `company`.")] = None,
    resource_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound of occurred_at.")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound of occurred_at.")] = None,
) -> Page[Event]:
    """List events (admins and owners), filtered by type, resource and time."""
    filters = EventFilter(
        type=type, resource_type=resource_type, resource_id=resource_id, since=since, until=until
    )
    return logic.list_events(ctx, filters, limit, cursor)


handler = api.handler
