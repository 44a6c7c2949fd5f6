"""GET /v1/audit-logs/verify: check the org's audit hash chain, and against its anchors."""

from hearth import needs
from hearth.audit_logs import logic
from hearth.audit_logs.models import ChainVerification
from hearth.deployment import Throttle
from hearth.http import Api, RequestContext

api = Api()


@api.get(
    "/v1/audit-logs/verify",
    permission="audit_logs:read",
    needs=[needs.AUDIT_ANCHOR_READ],
    throttle=Throttle(rate=2, burst=5),  # reads the org's whole audit chain
)
def verify_audit_chain(ctx: RequestContext) -> ChainVerification:
    """Recompute every link of the chain and compare it with its anchors (written hourly outside
    the database, under Object Lock); report the first broken row, if any."""
    return logic.verify(ctx)


handler = api.handler
