"""The deals table (a resource of the route kit) and its stage history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.deals.models import Deal
from hearth.http.context import RequestContext
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Reference, Resource

LISTING = Listing(
    select="SELECT r.* FROM deals r",
    fields=(
        *RECORD_FIELDS,
        Field("name", "text", sortable=True, nullable=False),
        Field("amount", "int", sortable=True),
        Field("currency", "text"),
        Field("pipeline_id", "uuid", nullable=False),
        Field("stage_id", "uuid", nullable=False),
        Field("expected_close_date", "date", sortable=True),
        Field("company_id", "uuid"),
        Field("primary_contact_id", "uuid"),
        Field("owner_id", "uuid"),
        Field("created_by", "uuid"),
        Field("status", "choice", choices=("open", "won", "lost"), nullable=False),
        Field("closed_at", "datetime", sortable=True),
        Field("tags", "tags"),
        Field("properties", "json"),
    ),
    search=("r.name",),
)

DEALS = Resource(
    name="deal",
    table="deals",
    path="/v1/deals",
    model=Deal,
    listing=LISTING,
    references={
        "pipeline_id": Reference("pipelines", "pipeline"),
        "company_id": Reference("companies", "company"),
        "primary_contact_id": Reference("people", "person"),
        "owner_id": MEMBER,
    },
    owners=("owner_id", "created_by"),
    history="deal_id",
    json_columns=frozenset({"properties"}),
)

STAGE_HISTORY = Listing(
    select="SELECT r.* FROM deal_stage_changes r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("changed_at", "datetime", sortable=True, nullable=False),
    ),
    default_sort="changed_at",
    soft_delete=False,
)


def record_stage(ctx: RequestContext, deal: dict[str, Any], from_stage: UUID | None) -> None:
    actor_type, actor_id = ctx.actor
    ctx.db.execute(
        "INSERT INTO deal_stage_changes"
        " (org_id, deal_id, pipeline_id, from_stage_id, to_stage_id, actor_type, actor_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (ctx.org_id, deal["id"], deal["pipeline_id"], from_stage, deal["stage_id"], actor_type, actor_id),
    )
