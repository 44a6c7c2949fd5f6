"""DELETE /v1/pipelines/{pipeline_id}: soft-delete a pipeline."""

from uuid import UUID

from hearth.crm.pipelines import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/pipelines/{pipeline_id}", permission="pipelines:delete", status_code=204)
def delete_pipeline(ctx: RequestContext, pipeline_id: UUID) -> None:
    """Soft-delete a pipeline: not the default one, nor one with open deals."""
    logic.delete(ctx, pipeline_id)


handler = api.handler
