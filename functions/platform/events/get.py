"""GET /v1/events/{event_id}: one domain event."""

from uuid import UUID

from hearth.events import logic
from hearth.events.models import Event
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/events/{event_id}", permission="events:read")
def get_event(ctx: RequestContext, event_id: UUID) -> Event:
    """Get an event, as its webhooks deliver it."""
    return logic.get_event(ctx, event_id)


handler = api.handler
