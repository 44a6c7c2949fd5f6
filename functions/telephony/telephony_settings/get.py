"""GET /v1/telephony/settings: the org's SMS settings."""

from hearth.http import Api, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import TelephonySettings

api = Api()


@api.get("/v1/telephony/settings", permission="telephony_settings:read")
def get_telephony_settings(ctx: RequestContext) -> TelephonySettings:
    """Whether an SMS from an unknown number creates a person, the auto-reply and the HELP text."""
    return logic.get_settings(ctx)


handler = api.handler
