"""GET /v1/deals/{deal_id}/stage-history: every stage a deal entered, oldest first."""

from uuid import UUID

from hearth.crm.deals import logic
from hearth.crm.deals.models import StageChange
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, RequestContext
from hearth.records.resource import ListParams

api = Api()


@api.get("/v1/deals/{deal_id}/stage-history", permission="deals:read")
def list_deal_stage_history(
    ctx: RequestContext, deal_id: UUID, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[StageChange]:
    """The deal's stage changes, oldest first; the first entry is the stage it started in."""
    return logic.stage_history(ctx, deal_id, ListParams(limit, cursor))


handler = api.handler
