"""DELETE /v1/integrations/{provider}: disconnect a provider (its secrets are erased)."""

from hearth.http import Api, RequestContext
from hearth.integrations import logic

api = Api()


@api.delete("/v1/integrations/{provider}", permission="integrations:write", status_code=204)
def delete_integration(ctx: RequestContext, provider: str) -> None:
    """Delete the org's integration with the provider and erase its secrets."""
    logic.delete(ctx, provider)


handler = api.handler
