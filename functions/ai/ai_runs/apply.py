"""POST /v1/ai/runs/{run_id}/apply: create the tasks a next_actions run suggested."""

from uuid import UUID

from hearth import needs
from hearth.ai import logic
from hearth.ai.models import AiRunApplied, AiRunApply
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/ai/runs/{run_id}/apply", permission="ai_runs:apply", needs=[needs.EVENTS])
def apply_ai_run(ctx: RequestContext, run_id: UUID, body: AiRunApply) -> AiRunApplied:
    """Create the tasks suggested by the chosen actions (indexes into `output.actions`) of a
    completed `next_actions` run, as you, linked to the run's deal or project. An action applied
    before is not applied again: its task is answered with `created: false`."""
    return logic.apply(ctx, run_id, body)


handler = api.handler
