"""POST /v1/pipelines: create a pipeline."""

from hearth.crm.pipelines import logic
from hearth.crm.pipelines.store import PIPELINES
from hearth.records import routes

api = routes.create_record(
    PIPELINES, logic.create, doc="Create a pipeline with its stages, in order (admins and owners)."
)

handler = api.handler
