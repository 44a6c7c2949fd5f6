"""GET /v1/email/settings: the org's default sender."""

from hearth.email import logic
from hearth.email.models import EmailSettings
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/settings", permission="email_settings:read")
def get_email_settings(ctx: RequestContext) -> EmailSettings:
    """The address, display name and reply-to an email goes out with when the send names none."""
    return logic.get_settings(ctx)


handler = api.handler
