"""GET /v1/ai/runs/{run_id}: a run, its status, output, token usage and what the model was shown."""

from uuid import UUID

from hearth.ai import logic
from hearth.ai.models import AiRun
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/ai/runs/{run_id}", permission="ai_runs:read")
def get_ai_run(ctx: RequestContext, run_id: UUID) -> AiRun:
    """A run: its status, its output once completed (or why it failed), the tokens it used and the
    records the model was shown. Members see their own runs; admins every run of the org."""
    return logic.get(ctx, run_id)


handler = api.handler
