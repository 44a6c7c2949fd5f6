"""GET /v1/ai/settings: the org's AI settings (what is redacted before a prompt leaves)."""

from hearth.ai import org_settings
from hearth.ai.models import AiSettings
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/ai/settings", permission="ai_settings:read")
def get_ai_settings(ctx: RequestContext) -> AiSettings:
    """The kinds of personal data replaced with placeholders before anything is sent to the model
    (every kind, until an admin changes it), with the ETag to send back as If-Match."""
    return org_settings.get(ctx)


handler = api.handler
