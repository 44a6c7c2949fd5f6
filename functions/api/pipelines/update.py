"""PATCH /v1/pipelines/{pipeline_id}: change some fields of a pipeline."""

from uuid import UUID

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Pipeline, PipelineUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/pipelines/{pipeline_id}", permission="pipelines:update")
def update_pipeline(ctx: RequestContext, pipeline_id: UUID, body: PipelineUpdate) -> Pipeline:
    """Change the fields sent (send If-Match with the ETag to avoid lost updates)."""
    return logic.update(ctx, pipeline_id, body)


handler = api.handler
