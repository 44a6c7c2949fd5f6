"""POST /v1/pipelines: create a pipeline."""

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.models import Pipeline, PipelineCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/pipelines", permission="pipelines:create", status_code=201)
def create_pipeline(ctx: RequestContext, body: PipelineCreate) -> Pipeline:
    """Create a pipeline with its stages, in order (admins and owners)."""
    return logic.create(ctx, body)


handler = api.handler
