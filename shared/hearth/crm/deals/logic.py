"""Deal rules: a deal sits in a live stage of its pipeline (the org's default pipeline and its
first stage unless told otherwise); every stage it enters is kept as history and announced as
``deal.stage_changed``; a lost deal needs a reason, and winning or losing it closes it
(``deal.won`` / ``deal.lost``); an amount needs its currency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hearth.crm.deals.models import Deal, DealCreate, DealUpdate, StageChange
from hearth.crm.deals.store import DEALS, STAGE_HISTORY, record_stage
from hearth.crm.fields import merge_properties, require_together, without_nulls
from hearth.crm.pipelines import store as pipelines
from hearth.http import Page, RequestContext
from hearth.problems import NotFound, Unprocessable, field_error, invalid
from hearth.records.resource import ListParams


def _place(ctx: RequestContext, values: dict[str, Any], *, moved_pipeline: bool) -> None:
    """Fill in and check pipeline and stage (``values`` is the deal as it will be)."""
    if values.get("pipeline_id") is None:
        values["pipeline_id"] = pipelines.default_pipeline(ctx)
        if values["pipeline_id"] is None:
            raise invalid("pipeline_id", "The org has no default pipeline; name one.", "required")
    elif (
        ctx.db.execute(
            "SELECT 1 FROM pipelines WHERE id = %s AND deleted_at IS NULL", (values["pipeline_id"],)
        ).fetchone()
        is None
    ):
        raise Unprocessable(
            "reference_not_found",
            "A referenced record does not exist in this org.",
            errors=[
                field_error("pipeline_id", "No pipeline with this id in this org.", "reference_not_found")
            ],
        )
    if values.get("stage_id") is None or moved_pipeline:
        values["stage_id"] = values.get("stage_id") or pipelines.first_stage(ctx, values["pipeline_id"])
    if pipelines.stage_of(ctx, values["stage_id"], values["pipeline_id"]) is None:
        raise invalid("stage_id", "Not a live stage of the deal's pipeline.", "stage_not_in_pipeline")


def _close(values: dict[str, Any], before_status: str | None) -> None:
    """Status rules (``values`` is the deal as it will be)."""
    if values["status"] == "lost" and not values.get("lost_reason"):
        raise invalid("lost_reason", "Required when a deal is lost.", "required")
    if values["status"] != "lost":
        values["lost_reason"] = None
    if values["status"] == "open":
        values["closed_at"] = None
    elif values["status"] != before_status:
        values["closed_at"] = datetime.now(UTC)


def _announce(ctx: RequestContext, deal: Deal, before: dict[str, Any] | None) -> None:
    if deal.status in ("won", "lost") and (before is None or before["status"] != deal.status):
        DEALS.emit(ctx, deal.status, deal)
    if before is not None and before["stage_id"] != deal.stage_id:
        DEALS.emit(
            ctx,
            "stage_changed",
            deal,
            pipeline_id=deal.pipeline_id,
            from_stage_id=before["stage_id"],
            to_stage_id=deal.stage_id,
        )


def create(ctx: RequestContext, body: DealCreate) -> Deal:
    values = body.model_dump()
    values["properties"] = without_nulls(values["properties"])
    require_together(values, "amount", "currency")
    _place(ctx, values, moved_pipeline=False)
    _close(values, None)
    values["created_by"] = ctx.user_id
    deal_id = DEALS.insert(ctx, values)
    record_stage(ctx, {**values, "id": deal_id}, None)
    deal = DEALS.created(ctx, deal_id, values)
    _announce(ctx, deal, None)
    return deal


def update(ctx: RequestContext, deal_id: UUID, body: DealUpdate, *, version: int | None = None) -> Deal:
    def prepare(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        values = merge_properties(before, values)
        after = {**before, **values}
        require_together(after, "amount", "currency")
        moved = after["pipeline_id"] != before["pipeline_id"]
        if moved or after["stage_id"] != before["stage_id"]:
            if moved and "stage_id" not in values:
                after["stage_id"] = None
            _place(ctx, after, moved_pipeline=moved)
            values["pipeline_id"], values["stage_id"] = after["pipeline_id"], after["stage_id"]
        _close(after, before["status"])
        values.update({k: after[k] for k in ("lost_reason", "closed_at")})
        return values

    change = DEALS.begin_update(ctx, deal_id, body.changes(), version=version, prepare=prepare)
    if "stage_id" in change.changes or "pipeline_id" in change.changes:
        after = DEALS.row(ctx, deal_id)
        assert after is not None
        record_stage(ctx, after, change.before["stage_id"])
    deal = DEALS.finish_update(ctx, change)
    _announce(ctx, deal, change.before)
    return deal


def stage_history(ctx: RequestContext, deal_id: UUID, params: ListParams) -> Page[StageChange]:
    if DEALS.row(ctx, deal_id) is None:
        raise NotFound("deal", deal_id)
    query = STAGE_HISTORY.parse((), sort=params.sort)
    rows, next_cursor = STAGE_HISTORY.page(
        ctx.db, query, limit=params.limit, cursor=params.cursor, where=[("r.deal_id = %s", [deal_id])]
    )
    return Page[StageChange](data=[StageChange.model_validate(r) for r in rows], next_cursor=next_cursor)
