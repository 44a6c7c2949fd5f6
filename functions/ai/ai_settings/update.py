"""PATCH /v1/ai/settings: change what is redacted before a prompt leaves (admins)."""

from hearth.ai import org_settings
from hearth.ai.models import AiSettings, AiSettingsUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/ai/settings", permission="ai_settings:update")
def update_ai_settings(ctx: RequestContext, body: AiSettingsUpdate) -> AiSettings:
    """Choose the kinds of personal data redacted (`email`, `phone`, `card`, `iban`,
    `national_id`); an empty list sends them as they are. Honours If-Match."""
    return org_settings.update(ctx, body)


handler = api.handler
