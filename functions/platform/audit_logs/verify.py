"""GET /v1/audit-logs/verify: check the org's audit hash chain."""

from hearth.audit_logs import logic
from hearth.audit_logs.models import ChainVerification
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/audit-logs/verify", permission="audit_logs:read")
def verify_audit_chain(ctx: RequestContext) -> ChainVerification:
    """Recompute every link of the chain; report the first broken row, if any."""
    return logic.verify(ctx)


handler = api.handler
