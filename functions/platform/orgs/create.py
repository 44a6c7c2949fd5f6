"""POST /v1/orgs: create an org; the caller becomes its owner."""

from hearth.http import Api, Caller
from hearth.orgs import logic
from hearth.orgs.models import Org, OrgCreate

api = Api()


@api.post("/v1/orgs", permission=None, tenant=False, status_code=201)
def create_org(caller: Caller, body: OrgCreate) -> Org:
    """Create an org. The signed-in user becomes its owner."""
    return logic.create(caller, body)


handler = api.handler
