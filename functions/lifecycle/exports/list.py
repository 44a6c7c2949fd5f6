"""GET /v1/exports: the exports of the org (others than owners and admins: their own), newest first."""

from hearth.lifecycle import export_logic
from hearth.lifecycle.export_models import Export
from hearth.lifecycle.export_store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/exports",
    LISTING,
    Export,
    permission="exports:read",
    doc="List exports, newest first (owners and admins see every export; others the ones they asked for)."
    " Download links are given by `GET /v1/exports/{export_id}`.",
    operation_id="list_exports",
    scope=export_logic.visible_exports,
)
handler = api.handler
