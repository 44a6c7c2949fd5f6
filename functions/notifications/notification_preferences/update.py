"""PUT /v1/notifications/preferences: choose your channels per notification type."""

from hearth.http import Api, RequestContext
from hearth.notifications import logic
from hearth.notifications.models import Preferences, PreferencesUpdate

api = Api()


@api.put("/v1/notifications/preferences", permission="notifications:update")
def put_notification_preferences(ctx: RequestContext, body: PreferencesUpdate) -> Preferences:
    """Set the channels of the types listed (each type once); the types not listed go back to
    their defaults. Answers every type's channels. Honours If-Match (the ETag of `GET`)."""
    return logic.put_preferences(ctx, body)


handler = api.handler
