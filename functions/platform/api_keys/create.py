"""POST /v1/api-keys: create an API key; its secret is in this response only."""

from hearth import needs
from hearth.api_keys import logic
from hearth.api_keys.models import ApiKeyCreate, ApiKeyCreated
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/api-keys",
    permission="api_keys:create",
    status_code=201,
    reveals_secret=True,
    needs=[needs.API_KEY_PEPPER],
)
def create_api_key(ctx: RequestContext, body: ApiKeyCreate) -> ApiKeyCreated:
    """Create an API key with a role no higher than yours, expiring no later than (and by default
    when) your session's token does. Signed-in users only: API keys cannot create keys. Store the
    secret now."""
    return logic.create(ctx, body)


handler = api.handler
