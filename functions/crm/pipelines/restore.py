"""POST /v1/pipelines/{pipeline_id}/restore: undo the soft delete of a pipeline."""

from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.restore_record(PIPELINES, doc="Restore a deleted pipeline with its stages.")

handler = api.handler
