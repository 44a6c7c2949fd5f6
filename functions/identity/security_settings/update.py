"""PATCH /v1/security/settings: require MFA of the org's members, shorten the idle limit (owners)."""

from hearth.http import Api, RequestContext
from hearth.identity import org_security
from hearth.identity.models import SecuritySettings, SecuritySettingsUpdate

api = Api()


@api.patch("/v1/security/settings", permission="security_settings:update")
def update_security_settings(ctx: RequestContext, body: SecuritySettingsUpdate) -> SecuritySettings:
    """Owners only. `mfa_required`: members without a second factor are refused every route of the
    org (403 `mfa_required`). `session_idle_minutes` (5 to 1440, null for the platform's 1440):
    a session idle longer is ended. Honours If-Match."""
    return org_security.update(ctx, body)


handler = api.handler
