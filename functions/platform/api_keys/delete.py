"""DELETE /v1/api-keys/{key_id}: revoke an API key."""

from uuid import UUID

from hearth.api_keys import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/api-keys/{key_id}", permission="api_keys:delete", status_code=204)
def revoke_api_key(ctx: RequestContext, key_id: UUID) -> None:
    """Revoke an API key at once. Revoking twice is not an error."""
    logic.revoke(ctx, key_id)


handler = api.handler
