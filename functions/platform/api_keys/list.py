"""GET /v1/api-keys: the org's API keys (members see their own)."""

from hearth.api_keys import logic
from hearth.api_keys.models import ApiKey
from hearth.api_keys.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/api-keys",
    LISTING,
    ApiKey,
    permission="api_keys:read",
    doc="List API keys (never their secrets).",
    operation_id="list_api_keys",
    scope=logic.visible_keys,
)
handler = api.handler
