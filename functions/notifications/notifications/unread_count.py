"""GET /v1/notifications/unread-count: how many of your notifications are unread."""

from hearth.http import Api, RequestContext
from hearth.notifications import logic
from hearth.notifications.models import UnreadCount

api = Api()


@api.get("/v1/notifications/unread-count", permission="notifications:read")
def count_unread_notifications(ctx: RequestContext) -> UnreadCount:
    """The number of your unread notifications in this org (for a badge)."""
    return logic.unread_count(ctx)


handler = api.handler
