"""DELETE /v1/pipelines/{pipeline_id}: soft-delete a pipeline."""

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.delete_record(
    PIPELINES,
    doc="Soft-delete a pipeline: not the default one, nor one with open deals.",
    delete=logic.delete,
)

handler = api.handler
