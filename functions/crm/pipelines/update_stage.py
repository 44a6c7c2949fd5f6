"""PATCH /v1/pipelines/{pipeline_id}/stages/{stage_id}: rename, reorder or re-weigh a stage."""

from uuid import UUID

from hearth import needs
from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Stage, StageUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch(
    "/v1/pipelines/{pipeline_id}/stages/{stage_id}", permission="pipelines:update", needs=[needs.EVENTS]
)
def update_pipeline_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID, body: StageUpdate) -> Stage:
    """Change a stage's name, probability or position (If-Match honoured)."""
    return logic.update_stage(ctx, pipeline_id, stage_id, body)


handler = api.handler
