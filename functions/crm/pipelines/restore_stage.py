"""POST /v1/pipelines/{pipeline_id}/stages/{stage_id}/restore: undo the soft delete of a stage."""

from uuid import UUID

from hearth import needs
from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Stage
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/pipelines/{pipeline_id}/stages/{stage_id}/restore",
    permission="pipelines:update",
    needs=[needs.EVENTS],
)
def restore_pipeline_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID) -> Stage:
    """Restore a deleted stage (409 if a live stage of the pipeline now has its name)."""
    return logic.restore_stage(ctx, pipeline_id, stage_id)


handler = api.handler
