"""POST /v1/ai/runs: ask the AI assistant; the run is carried out in the background."""

from hearth import needs
from hearth.ai import logic
from hearth.ai.models import AiRun, AiRunCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/ai/runs", permission="ai_runs:create", status_code=202, refuses=(402,), needs=[needs.EVENTS])
def create_ai_run(ctx: RequestContext, body: AiRunCreate) -> AiRun:
    """Ask for a run of a task over your org's records: the answer is the run, `queued`; poll
    `GET /v1/ai/runs/{run_id}` (or subscribe to `ai.run.completed` / `ai.run.failed`) for its
    output. The model is shown only what your role can read, with personal data redacted as the
    org's AI settings say. 402 `quota_exceeded` once the plan's monthly tokens are used up."""
    return logic.create(ctx, body)


handler = api.handler
