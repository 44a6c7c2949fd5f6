"""PATCH /v1/pipelines/{pipeline_id}: change some fields of a pipeline."""

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.update_record(
    PIPELINES,
    logic.update,
    doc="Change the fields sent (send If-Match with the ETag to avoid lost updates).",
)

handler = api.handler
