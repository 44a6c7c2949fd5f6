"""Export rules.

- Anyone in the org may export their own data (scope ``user``); an org or project export is for
  owners and admins (403 ``export_scope_forbidden`` otherwise). An export belongs to the user
  who asked (for an API key, its creator): owners and admins see every export of the org, others
  their own (another's is a 404).
- A project export names a project of the org (live or soft-deleted: 422 on ``project_id``
  otherwise); ``project_id`` belongs to scope ``project`` only.
- An export is inserted ``queued`` with the event ``export.requested`` (the event dispatch
  consumer sends it to the export worker's queue) and the audit row ``export.create``; 202.
- Once completed, ``GET /v1/exports/{id}`` answers a presigned link to the zip, valid 24 hours
  (minted on each read) while the zip is kept (two days).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from hearth import clock
from hearth.events.types import EXPORT_REQUESTED
from hearth.http import RequestContext
from hearth.lifecycle import export_store as store
from hearth.lifecycle import export_worker
from hearth.lifecycle.export_models import Export, ExportCreate
from hearth.problems import Forbidden, NotFound, Unprocessable, field_error, invalid

#: How long a download link works.
URL_VALID = timedelta(hours=24)


def visible_exports(ctx: RequestContext) -> list[tuple[str, list[object]]]:
    """The list's fixed condition: an "own" scope sees only the exports it asked for."""
    return [("r.requested_by = %s", [ctx.user_id])] if ctx.scope == "own" else []


def create(ctx: RequestContext, body: ExportCreate) -> Export:
    assert ctx.user_id is not None
    if body.scope != "user" and ctx.scope != "all":
        raise Forbidden("export_scope_forbidden", f"Only owners and admins may export the {body.scope}.")
    if body.scope == "project" and body.project_id is None:
        raise invalid("project_id", "Name the project to export.", "required")
    if body.scope != "project" and body.project_id is not None:
        raise invalid("project_id", "project_id belongs to scope project only.", "not_allowed")
    if body.project_id is not None and not store.project_exists(ctx.db, body.project_id):
        raise Unprocessable(
            "reference_not_found",
            "A referenced record does not exist in this org.",
            errors=[field_error("project_id", "No project with this id in this org.", "reference_not_found")],
        )
    row = store.insert(ctx.db, requested_by=ctx.user_id, scope=body.scope, project_id=body.project_id)
    export = Export.model_validate(row)
    summary = {"scope": export.scope, "project_id": str(export.project_id) if export.project_id else None}
    ctx.audit("export.create", "export", export.id, changes=summary)
    ctx.emit(
        EXPORT_REQUESTED,
        "export",
        export.id,
        {"object": {"id": str(export.id), "requested_by": str(export.requested_by), **summary}},
    )
    ctx.response_headers["Location"] = f"/v1/exports/{export.id}"
    ctx.set_etag(export.version)
    return export


def get(ctx: RequestContext, export_id: UUID) -> Export:
    row = store.get(ctx.db, export_id)
    if row is None or not ctx.owns(row["requested_by"]):
        raise NotFound("export", export_id)
    export = Export.model_validate(row)
    ctx.set_etag(export.version)
    return with_link(export, row)


def with_link(export: Export, row: dict[str, Any]) -> Export:
    """The export with a fresh download link while its zip is kept."""
    now = clock.now()
    if (
        export.status != "completed"
        or not row["object_key"]
        or (export.expires_at and export.expires_at <= now)
    ):
        return export
    url = export_worker.presigned(row["object_key"], int(URL_VALID.total_seconds()))
    return export.model_copy(update={"download_url": url, "download_expires_at": now + URL_VALID})
