"""GET /v1/security/settings: the org's sign-in security settings."""

from hearth.http import Api, RequestContext
from hearth.identity import org_security
from hearth.identity.models import SecuritySettings

api = Api()


@api.get("/v1/security/settings", permission="security_settings:read")
def get_security_settings(ctx: RequestContext) -> SecuritySettings:
    """Whether members need a second factor, and how long a session may stay idle in this org,
    with the ETag to send back as If-Match."""
    return org_security.get(ctx)


handler = api.handler
