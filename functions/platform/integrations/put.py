"""PUT /v1/integrations/{provider}: connect a provider, or replace its credentials."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.integrations import logic
from hearth.integrations.models import Integration, IntegrationPut

api = Api()


@api.put(
    "/v1/integrations/{provider}",
    permission="integrations:write",
    also_returns=(201,),
    needs=[needs.SECRETS_KEY, needs.TWILIO_SDK],
)
def put_integration(ctx: RequestContext, provider: str, body: IntegrationPut) -> Integration:
    """Create (201) or replace (200) the org's credentials for the provider (`twilio`,
    `anthropic`). Every public field is needed; secret fields left out keep their stored values.
    Secrets are write-only. Replacing the secret a provider signs webhooks with keeps the old one
    valid for 24 hours. A provider account (Twilio's `account_sid`) belongs to one org, and is
    claimed only with credentials the provider accepts for it (422 `credentials_rejected`)."""
    return logic.put(ctx, provider, body)  # type: ignore[return-value]


handler = api.handler
