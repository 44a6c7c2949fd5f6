"""POST /v1/orgs/current/restore: undo the org's deletion within its grace period (owners)."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.lifecycle import deletion_logic
from hearth.lifecycle.deletion_models import OrgDeletion

api = Api()


@api.post("/v1/orgs/current/restore", permission="orgs:restore", needs=[needs.EVENTS])
def restore_current_org(ctx: RequestContext) -> OrgDeletion:
    """Restore a deleted org before `restorable_until` (409 `grace_ended` after it, 409
    `org_not_deleted` for an org that is not deleted). The only route a deleted org serves, to
    its owners, signed in."""
    return deletion_logic.restore_current(ctx)


handler = api.handler
