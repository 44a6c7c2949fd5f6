"""GET /v1/exports/{export_id}: an export, and once completed a download link valid 24 hours."""

from uuid import UUID

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.lifecycle import export_logic
from hearth.lifecycle.export_models import Export

api = Api()


@api.get("/v1/exports/{export_id}", permission="exports:read", needs=[needs.EXPORTS_READ])
def get_export(ctx: RequestContext, export_id: UUID) -> Export:
    """An export: its status, counts per table once completed, and while the zip is kept (two
    days) a fresh download link valid 24 hours. Owners and admins see every export of the org;
    others their own."""
    return export_logic.get(ctx, export_id)


handler = api.handler
