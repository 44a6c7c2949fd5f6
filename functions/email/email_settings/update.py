"""PUT /v1/email/settings: set the org's default sender."""

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailSettings, EmailSettingsUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.put("/v1/email/settings", permission="email_settings:update", needs=[needs.SES_IDENTITIES])
def update_email_settings(ctx: RequestContext, body: EmailSettingsUpdate) -> EmailSettings:
    """Set the fields sent (`null` clears one). `from_address` must be on one of the org's
    verified sending domains (422 `domain_not_verified`)."""
    return logic.put_settings(ctx, body)


handler = api.handler
