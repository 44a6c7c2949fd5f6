"""POST /v1/notifications/{notification_id}/read: mark one of your notifications read."""

from uuid import UUID

from hearth.http import Api, RequestContext
from hearth.notifications import logic
from hearth.notifications.models import Notification

api = Api()


@api.post("/v1/notifications/{notification_id}/read", permission="notifications:update")
def read_notification(ctx: RequestContext, notification_id: UUID) -> Notification:
    """Mark the notification read (one read before keeps its `read_at`). Only your own: another
    member's notification is a 404."""
    return logic.read(ctx, notification_id)


handler = api.handler
