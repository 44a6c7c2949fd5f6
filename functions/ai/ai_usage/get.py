"""GET /v1/ai/usage: the org's AI tokens this month against its plan, per run and per month."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.ai import budget
from hearth.ai.models import AiUsage
from hearth.http import Api, RequestContext

api = Api()

Runs = Annotated[int, Query(ge=0, le=200, description="How many of this month's runs to list, newest first.")]


@api.get("/v1/ai/usage", permission="ai_usage:read")
def get_ai_usage(ctx: RequestContext, runs: Runs = 50) -> AiUsage:
    """Tokens used this month (UTC) and the plan's monthly allowance, this month's latest runs with
    their tokens (members: their own) and the totals of the twelve months before."""
    return budget.report(ctx.db, ctx.org_id, user_id=ctx.user_id if ctx.scope == "own" else None, runs=runs)


handler = api.handler
