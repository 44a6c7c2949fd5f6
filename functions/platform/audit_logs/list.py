"""GET /v1/audit-logs: the org's audit log, newest first."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.audit_logs import logic
from hearth.audit_logs.models import AuditFilter, AuditLog
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext

api = Api()


@api.get("/v1/audit-logs", permission="audit_logs:read")
def list_audit_logs(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    action: Annotated[str | None, Query(description="Exact action, like `api_key.create`.")] = None,
    actor_id: Annotated[str | None, Query(description="A user or API key id.")] = None,
    resource_type: Annotated[str | None, Query()] = None,
    resource_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound of occurred_at.")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound of occurred_at.")] = None,
) -> Page[AuditLog]:
    """List audit rows (admins and owners), filtered by action, actor, resource and time."""
    filters = AuditFilter(
        action=action,
        actor_id=actor_id,
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        until=until,
    )
    return logic.list_logs(ctx, filters, limit, cursor)


handler = api.handler
