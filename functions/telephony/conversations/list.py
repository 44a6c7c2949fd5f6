"""GET /v1/people/{person_id}/messages: the person's conversation (SMS and calls, in time order)."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.telephony import logic
from hearth.telephony.models import ConversationItem

api = Api()


@api.get("/v1/people/{person_id}/messages", permission="sms_messages:read")
def list_person_messages(
    ctx: RequestContext,
    person_id: UUID,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Annotated[
        str | None, Query(pattern=r"^-?created_at$", description="created_at or -created_at")
    ] = None,
) -> Page[ConversationItem]:
    """The SMS and calls with the person, oldest first (`filter[kind]=sms|call`,
    `filter[direction]`, `sort=-created_at` for newest first), paged with `limit` and `cursor`."""
    return logic.conversation(ctx, person_id, limit=limit, cursor=cursor, sort=sort)


handler = api.handler
