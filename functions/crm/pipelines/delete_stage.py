"""DELETE /v1/pipelines/{pipeline_id}/stages/{stage_id}: soft-delete a stage."""

from uuid import UUID

from hearth import needs
from hearth.crm.pipelines import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete(
    "/v1/pipelines/{pipeline_id}/stages/{stage_id}",
    permission="pipelines:update",
    status_code=204,
    needs=[needs.EVENTS],
)
def delete_pipeline_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID) -> None:
    """Soft-delete a stage without open deals (a pipeline keeps at least one stage)."""
    logic.delete_stage(ctx, pipeline_id, stage_id)


handler = api.handler
