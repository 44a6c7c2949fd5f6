"""POST /v1/integrations/{provider}/test: call the provider with the stored credentials."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.integrations import logic
from hearth.integrations.models import IntegrationTest

api = Api()


@api.post(
    "/v1/integrations/{provider}/test",
    permission="integrations:write",
    needs=[needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.ANTHROPIC_SDK],
)
def test_integration(ctx: RequestContext, provider: str) -> IntegrationTest:
    """Test the stored credentials against the provider (Twilio: fetch the account; Anthropic:
    list a model). The result is stored; a failure names the provider's error code and message."""
    return logic.test(ctx, provider)


handler = api.handler
