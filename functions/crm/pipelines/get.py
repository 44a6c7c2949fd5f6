"""GET /v1/pipelines/{pipeline_id}: one pipeline."""

from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.get_record(
    PIPELINES, doc="The pipeline, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
