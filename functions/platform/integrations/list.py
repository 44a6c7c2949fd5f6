"""GET /v1/integrations: the org's provider integrations (never their secrets)."""

from hearth.http import Api, RequestContext
from hearth.integrations import logic
from hearth.integrations.models import IntegrationList

api = Api()


@api.get("/v1/integrations", permission="integrations:read")
def list_integrations(ctx: RequestContext) -> IntegrationList:
    """List the org's integrations: public fields, each secret's last four characters, the last
    test's outcome. Admins and owners."""
    return logic.list_integrations(ctx)


handler = api.handler
