"""GET /v1/pipelines/{pipeline_id}: one pipeline."""

from uuid import UUID

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Pipeline
from hearth.http import Api, RequestContext
from hearth.listing import IncludeDeleted

api = Api()


@api.get("/v1/pipelines/{pipeline_id}", permission="pipelines:read")
def get_pipeline(ctx: RequestContext, pipeline_id: UUID, include_deleted: IncludeDeleted = False) -> Pipeline:
    """The pipeline, with its ETag (send it back as If-Match when you change it)."""
    return logic.get(ctx, pipeline_id, include_deleted=include_deleted)


handler = api.handler
