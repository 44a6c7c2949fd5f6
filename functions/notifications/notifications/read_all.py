"""POST /v1/notifications/read-all: mark all your notifications in this org read."""

from hearth.http import Api, RequestContext
from hearth.notifications import logic
from hearth.notifications.models import NotificationsRead

api = Api()


@api.post("/v1/notifications/read-all", permission="notifications:update")
def read_all_notifications(ctx: RequestContext) -> NotificationsRead:
    """Mark every unread notification of yours in this org read; answers how many were."""
    return logic.read_all(ctx)


handler = api.handler
