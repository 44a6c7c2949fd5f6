"""The pipelines and pipeline_stages tables: resources of the route kit, and the queries the
pipeline rules need."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.pipelines.models import Pipeline, Stage
from hearth.http.context import RequestContext
from hearth.listing import Field, Listing
from hearth.records.resource import RECORD_FIELDS, Resource

STAGE_ORDER = "position, created_at, id"


def _with_stages(ctx: RequestContext, rows: list[dict[str, Any]]) -> None:
    stages = ctx.db.execute(
        "SELECT * FROM pipeline_stages WHERE pipeline_id = ANY(%s) AND deleted_at IS NULL"
        f" ORDER BY {STAGE_ORDER}",
        ([r["id"] for r in rows],),
    ).fetchall()
    for row in rows:
        row["stages"] = [s for s in stages if s["pipeline_id"] == row["id"]]


LISTING = Listing(
    select="SELECT r.* FROM pipelines r",
    fields=(
        *RECORD_FIELDS,
        Field("name", "text", sortable=True, nullable=False),
        Field("is_default", "bool"),
    ),
    search=("r.name",),
    default_sort="created_at",
)

PIPELINES = Resource(
    name="pipeline",
    table="pipelines",
    path="/v1/pipelines",
    model=Pipeline,
    listing=LISTING,
    unique=("name",),
    decorate=_with_stages,
)

STAGES = Resource(
    name="pipeline_stage",
    table="pipeline_stages",
    path="/v1/pipelines",
    model=Stage,
    listing=Listing(
        select="SELECT r.* FROM pipeline_stages r",
        fields=(*RECORD_FIELDS, Field("name", "text", sortable=True, nullable=False)),
    ),
)


def default_pipeline(ctx: RequestContext) -> UUID | None:
    row = ctx.db.execute("SELECT id FROM pipelines WHERE is_default AND deleted_at IS NULL").fetchone()
    return row["id"] if row else None


def first_stage(ctx: RequestContext, pipeline_id: UUID) -> UUID | None:
    row = ctx.db.execute(
        "SELECT id FROM pipeline_stages WHERE pipeline_id = %s AND deleted_at IS NULL"
        f" ORDER BY {STAGE_ORDER} LIMIT 1",
        (pipeline_id,),
    ).fetchone()
    return row["id"] if row else None


def stage_of(
    ctx: RequestContext, stage_id: UUID, pipeline_id: UUID, *, live: bool = True
) -> dict[str, Any] | None:
    return ctx.db.execute(
        "SELECT * FROM pipeline_stages WHERE id = %s AND pipeline_id = %s"
        + (" AND deleted_at IS NULL" if live else ""),
        (stage_id, pipeline_id),
    ).fetchone()


def stage_name_taken(ctx: RequestContext, pipeline_id: UUID, name: str, exclude: UUID | None = None) -> bool:
    row = ctx.db.execute(
        "SELECT 1 FROM pipeline_stages WHERE pipeline_id = %s AND lower(name) = lower(%s)"
        " AND deleted_at IS NULL AND id IS DISTINCT FROM %s",
        (pipeline_id, name, exclude),
    ).fetchone()
    return row is not None


def next_position(ctx: RequestContext, pipeline_id: UUID) -> int:
    row = ctx.db.execute(
        "SELECT coalesce(max(position) + 1, 0) AS p FROM pipeline_stages"
        " WHERE pipeline_id = %s AND deleted_at IS NULL",
        (pipeline_id,),
    ).fetchone()
    assert row is not None
    return min(int(row["p"]), 1000)


def live_stage_count(ctx: RequestContext, pipeline_id: UUID) -> int:
    row = ctx.db.execute(
        "SELECT count(*) AS n FROM pipeline_stages WHERE pipeline_id = %s AND deleted_at IS NULL",
        (pipeline_id,),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def open_deals(ctx: RequestContext, *, pipeline_id: UUID | None = None, stage_id: UUID | None = None) -> int:
    column, value = ("pipeline_id", pipeline_id) if pipeline_id is not None else ("stage_id", stage_id)
    row = ctx.db.execute(
        f"SELECT count(*) AS n FROM deals WHERE {column} = %s AND status = 'open' AND deleted_at IS NULL",
        (value,),
    ).fetchone()
    assert row is not None
    return int(row["n"])
