"""GET /v1/events: the org's domain events, newest first."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.events.logic import LISTING
from hearth.events.models import Event
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import Sort

api = Api()


@api.get("/v1/events", permission="events:read", description=LISTING.describe())
def list_events(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    # The plain filters are aliases (LISTING.aliases): the listing reads them from the query
    # string; they are declared here for validation and the OpenAPI document.
    type: Annotated[
        str | None, Query(description="Exact type (`deal.won`) or a wildcard (`deal.*`).")
    ] = None,
    resource_type: Annotated[str | None, Query(description="Like `company`.")] = None,
    resource_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound of occurred_at.")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound of occurred_at.")] = None,
    sort: Sort = None,
) -> Page[Event]:
    """List events (admins and owners), filtered by type, resource and time."""
    return LISTING.fetch(ctx, Event, limit=limit, cursor=cursor, sort=sort)


handler = api.handler
