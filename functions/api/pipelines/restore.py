"""POST /v1/pipelines/{pipeline_id}/restore: undo the soft delete of a pipeline."""

from uuid import UUID

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Pipeline
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/pipelines/{pipeline_id}/restore", permission="pipelines:delete")
def restore_pipeline(ctx: RequestContext, pipeline_id: UUID) -> Pipeline:
    """Restore a deleted pipeline with its stages."""
    return logic.restore(ctx, pipeline_id)


handler = api.handler
