"""POST /v1/exports: ask for an export of the org, a project or your own data; built in the background."""

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.lifecycle import export_logic
from hearth.lifecycle.export_models import Export, ExportCreate

api = Api()


@api.post("/v1/exports", permission="exports:create", status_code=202, needs=[needs.EVENTS])
def create_export(ctx: RequestContext, body: ExportCreate) -> Export:
    """Ask for an export: the answer is the export, `queued`; poll `GET /v1/exports/{export_id}`
    (or subscribe to `export.completed`) for its download link. Every table of the scope is
    written as a JSON file in a zip, with a manifest (counts per table, the schema version, the
    files it references). Scope `org` and `project`: owners and admins; `user`: anyone, for their
    own data."""
    return export_logic.create(ctx, body)


handler = api.handler
