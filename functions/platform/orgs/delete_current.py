"""DELETE /v1/orgs/current: delete the org (owners; confirmed by its name; restorable for 30 days)."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.lifecycle import deletion_logic
from hearth.lifecycle.deletion_models import OrgDeletion, OrgDeletionRequest

api = Api()


@api.delete("/v1/orgs/current", permission="orgs:delete", status_code=202, needs=[needs.EVENTS])
def delete_current_org(ctx: RequestContext, body: OrgDeletionRequest) -> OrgDeletion:
    """Delete the org at once: every credential of it is refused from now on, except its owners'
    signed-in sessions, which may restore it (`POST /v1/orgs/current/restore`) until
    `restorable_until`; after that its data is removed for good. Confirm by the org's exact name
    and send `If-Match` with its ETag. Owners only, signed in (API keys cannot)."""
    return deletion_logic.delete_current(ctx, body)


handler = api.handler
