"""Pipeline rules: one default pipeline per org (making another the default moves the mark);
the default pipeline, and a pipeline or stage with open deals, cannot be deleted; a pipeline
keeps at least one stage; stage names are unique within their pipeline. Admins and owners
manage pipelines; everyone reads them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.pipelines import store
from hearth.crm.pipelines.models import (
    Pipeline,
    PipelineCreate,
    PipelineUpdate,
    Stage,
    StageCreate,
    StageUpdate,
)
from hearth.crm.pipelines.store import PIPELINES, STAGES
from hearth.http import RequestContext
from hearth.problems import Conflict, NotFound, field_error, invalid


def _take_default(ctx: RequestContext, pipeline_id: UUID | None) -> None:
    """The current default stops being it (before ``pipeline_id`` becomes it)."""
    current = store.default_pipeline(ctx)
    if current is not None and current != pipeline_id:
        PIPELINES.update(ctx, current, {"is_default": False}, if_match=False)


def create(ctx: RequestContext, body: PipelineCreate) -> Pipeline:
    names = [s.name.lower() for s in body.stages]
    duplicate = next((i for i, n in enumerate(names) if n in names[:i]), None)
    if duplicate is not None:
        raise invalid(f"stages.{duplicate}.name", "Stage names are unique within a pipeline.", "duplicate")
    if body.is_default:
        _take_default(ctx, None)
    values = {"name": body.name, "is_default": body.is_default, "created_by": ctx.user_id}
    pipeline_id = PIPELINES.insert(ctx, values)
    for position, stage in enumerate(body.stages):
        ctx.db.execute(
            "INSERT INTO pipeline_stages (org_id, pipeline_id, name, position, probability, created_by)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (ctx.org_id, pipeline_id, stage.name, position, stage.probability, ctx.user_id),
        )
    return PIPELINES.created(ctx, pipeline_id, {**values, "stages": body.model_dump()["stages"]})


def update(ctx: RequestContext, pipeline_id: UUID, body: PipelineUpdate) -> Pipeline:
    changes = body.changes()
    if changes.get("is_default") is False:
        raise invalid("is_default", "Make another pipeline the default instead.", "cannot_unset_default")
    if changes.get("is_default"):
        if PIPELINES.row(ctx, pipeline_id) is None:
            raise NotFound("pipeline", pipeline_id)
        _take_default(ctx, pipeline_id)
    return PIPELINES.update(ctx, pipeline_id, changes)


def delete(ctx: RequestContext, pipeline_id: UUID) -> None:
    row = PIPELINES.row(ctx, pipeline_id, lock=True)
    if row is None:
        raise NotFound("pipeline", pipeline_id)
    if row["is_default"]:
        raise Conflict("default_pipeline", "Make another pipeline the default before deleting this one.")
    open_deals = store.open_deals(ctx, pipeline_id=pipeline_id)
    if open_deals:
        raise Conflict("pipeline_in_use", f"Move or close its {open_deals} open deal(s) first.")
    PIPELINES.delete(ctx, pipeline_id)


# -- stages ----------------------------------------------------------------------------------


def _live_pipeline(ctx: RequestContext, pipeline_id: UUID) -> dict[str, Any]:
    row = PIPELINES.row(ctx, pipeline_id)
    if row is None:
        raise NotFound("pipeline", pipeline_id)
    return row


def _stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID, *, live: bool = True) -> dict[str, Any]:
    _live_pipeline(ctx, pipeline_id)
    row = store.stage_of(ctx, stage_id, pipeline_id, live=live)
    if row is None:
        raise NotFound("stage", stage_id)
    return row


def _name_free(ctx: RequestContext, pipeline_id: UUID, name: str, exclude: UUID | None = None) -> None:
    if store.stage_name_taken(ctx, pipeline_id, name, exclude):
        raise Conflict(
            "stage_name_taken",
            "Another stage of this pipeline has this name.",
            errors=[field_error("name", "Already used in this pipeline.", "already_exists")],
        )


def _located(ctx: RequestContext, stage: Stage) -> Stage:
    ctx.response_headers["Location"] = f"/v1/pipelines/{stage.pipeline_id}/stages/{stage.id}"
    return stage


def create_stage(ctx: RequestContext, pipeline_id: UUID, body: StageCreate) -> Stage:
    _live_pipeline(ctx, pipeline_id)
    _name_free(ctx, pipeline_id, body.name)
    position = body.position if body.position is not None else store.next_position(ctx, pipeline_id)
    values = {
        **body.model_dump(),
        "position": position,
        "pipeline_id": pipeline_id,
        "created_by": ctx.user_id,
    }
    return _located(ctx, STAGES.create(ctx, values))


def update_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID, body: StageUpdate) -> Stage:
    _stage(ctx, pipeline_id, stage_id)
    changes = body.changes()
    if "name" in changes:
        _name_free(ctx, pipeline_id, changes["name"], exclude=stage_id)
    return STAGES.update(ctx, stage_id, changes)


def delete_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID) -> None:
    _stage(ctx, pipeline_id, stage_id)
    open_deals = store.open_deals(ctx, stage_id=stage_id)
    if open_deals:
        raise Conflict("stage_in_use", f"Move or close its {open_deals} open deal(s) first.")
    if store.live_stage_count(ctx, pipeline_id) <= 1:
        raise Conflict("last_stage", "A pipeline keeps at least one stage.")
    STAGES.delete(ctx, stage_id)


def restore_stage(ctx: RequestContext, pipeline_id: UUID, stage_id: UUID) -> Stage:
    row = _stage(ctx, pipeline_id, stage_id, live=False)
    if row["deleted_at"] is not None:
        _name_free(ctx, pipeline_id, row["name"], exclude=stage_id)
    return STAGES.restore(ctx, stage_id)
