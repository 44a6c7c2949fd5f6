"""GET /v1/audit-logs/verify: check the org's audit hash chain."""

from hearth.audit_logs import logic
from hearth.audit_logs.models import ChainVerification
from hearth.http import Api, RequestContext
from hearth.http.spec import Throttle

api = Api()


@api.get(
    "/v1/audit-logs/verify",
    permission="audit_logs:read",
    throttle=Throttle(rate=2, burst=5),  # reads the org's whole audit chain
)
def verify_audit_chain(ctx: RequestContext) -> ChainVerification:
    """Recompute every link of the chain; report the first broken row, if any."""
    return logic.verify(ctx)


handler = api.handler
