"""GET /v1/audit-logs: the org's audit log, newest first."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.audit_logs.models import AuditLog
from hearth.audit_logs.store import LISTING
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.listing import Sort

api = Api()


@api.get("/v1/audit-logs", permission="audit_logs:read", description=LISTING.describe())
def list_audit_logs(
    ctx: RequestContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    # The plain filters are aliases (LISTING.aliases): the listing reads them from the query
    # string; they are declared here for validation and the OpenAPI document.
    action: Annotated[str | None, Query(description="Exact action, like `api_key.create`.")] = None,
    actor_id: Annotated[str | None, Query(description="A user or API key id.")] = None,
    resource_type: Annotated[str | None, Query()] = None,
    resource_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound of occurred_at.")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound of occurred_at.")] = None,
    sort: Sort = None,
) -> Page[AuditLog]:
    """List audit rows (admins and owners), filtered by action, actor, resource and time."""
    return LISTING.fetch(ctx, AuditLog, limit=limit, cursor=cursor, sort=sort)


handler = api.handler
