"""GET /v1/ai/runs: the AI runs of the org (members: their own), newest first."""

from hearth.ai import logic
from hearth.ai.models import AiRun
from hearth.ai.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/ai/runs",
    LISTING,
    AiRun,
    permission="ai_runs:read",
    doc="List AI runs, newest first (members see the runs they asked for; admins all).",
    operation_id="list_ai_runs",
    scope=logic.visible_runs,
)
handler = api.handler
