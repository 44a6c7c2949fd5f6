"""PATCH /v1/telephony/settings: change the org's SMS settings."""

from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import TelephonySettings, TelephonySettingsUpdate

api = Api()


@api.patch("/v1/telephony/settings", permission="telephony_settings:update")
def update_telephony_settings(ctx: RequestContext, body: TelephonySettingsUpdate) -> TelephonySettings:
    """Change the fields sent (`null` clears the auto-reply or the HELP text)."""
    return logic.update_settings(ctx, body)


handler = api.handler
