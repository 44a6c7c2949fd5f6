"""GET /v1/notifications: your notifications in this org, newest first."""

from hearth.notifications import logic
from hearth.notifications.models import Notification
from hearth.notifications.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/notifications",
    LISTING,
    Notification,
    permission="notifications:read",
    doc="List your notifications in this org, newest first; `filter[read]=false` for the unread.",
    operation_id="list_notifications",
    scope=logic.own,
)
handler = api.handler
