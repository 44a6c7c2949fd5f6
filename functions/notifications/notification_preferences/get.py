"""GET /v1/notifications/preferences: your channels for each notification type."""

from hearth.http import Api, RequestContext
from hearth.notifications import logic
from hearth.notifications.models import Preferences

api = Api()


@api.get("/v1/notifications/preferences", permission="notifications:read")
def get_notification_preferences(ctx: RequestContext) -> Preferences:
    """Every notification type with its channels for you in this org: `in_app` and `email`. The
    defaults where you chose none: in the app, everything; by email, tasks assigned to you,
    mentions, invitations and exports ready. With the ETag to send back as If-Match."""
    return logic.get_preferences(ctx)


handler = api.handler
