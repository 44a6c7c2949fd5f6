"""GET /v1/security-events: the security events of the org's members (admins)."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.http import Api, RequestContext
from hearth.http.pagination import Cursor, Limit, Page
from hearth.identity import security_events
from hearth.identity.security_events import SecurityEvent

api = Api()


@api.get("/v1/security-events", permission="security_events:read")
def list_security_events(
    ctx: RequestContext,
    limit: Limit = 50,
    cursor: Cursor = None,
    user_id: Annotated[UUID | None, Query(description="Only this member's events.")] = None,
) -> Page[SecurityEvent]:
    """The security events of the org's members, newest first (admins and owners): sign-ins,
    failed and locked sign-ins, password resets asked for, second factors changed, sessions ended.
    Events of people who are not members of the org are never shown."""
    return security_events.of_members(ctx, limit, cursor, user_id)


handler = api.handler
