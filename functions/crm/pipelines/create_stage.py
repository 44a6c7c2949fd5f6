"""POST /v1/pipelines/{pipeline_id}/stages: add a stage to a pipeline."""

from uuid import UUID

from hearth import needs
from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Stage, StageCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/pipelines/{pipeline_id}/stages", permission="pipelines:update", status_code=201, needs=[needs.EVENTS]
)
def create_pipeline_stage(ctx: RequestContext, pipeline_id: UUID, body: StageCreate) -> Stage:
    """Add a stage (its name unique within the pipeline); by default it goes last."""
    return logic.create_stage(ctx, pipeline_id, body)


handler = api.handler
