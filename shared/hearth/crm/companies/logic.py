"""Company rules: the domain is unique among live companies (upsert matches on it); an annual
revenue needs its currency; custom properties merge on update; members delete the companies they
own or created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.companies.models import Company, CompanyCreate, CompanyUpdate
from hearth.crm.companies.store import COMPANIES
from hearth.crm.fields import merge_properties, require_together, without_nulls
from hearth.http import Page, Reply, RequestContext
from hearth.problems import invalid
from hearth.records.batching import batch_creator, batch_updater
from hearth.records.resource import ListParams


def list_companies(ctx: RequestContext, params: ListParams) -> Page[Company]:
    return COMPANIES.list(ctx, params)


def get(ctx: RequestContext, company_id: UUID, *, include_deleted: bool = False) -> Company:
    return COMPANIES.get(ctx, company_id, include_deleted=include_deleted)


def create(ctx: RequestContext, body: CompanyCreate) -> Company:
    values = body.model_dump()
    values["properties"] = without_nulls(values["properties"])
    require_together(values, "annual_revenue", "annual_revenue_currency")
    values["created_by"] = ctx.user_id
    return COMPANIES.create(ctx, values)


def _prepare(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    values = merge_properties(before, values)
    require_together({**before, **values}, "annual_revenue", "annual_revenue_currency")
    return values


def update(
    ctx: RequestContext, company_id: UUID, body: CompanyUpdate, *, version: int | None = None
) -> Company:
    return COMPANIES.update(ctx, company_id, body.changes(), version=version, prepare=_prepare)


def delete(ctx: RequestContext, company_id: UUID) -> None:
    COMPANIES.delete(ctx, company_id)


def restore(ctx: RequestContext, company_id: UUID) -> Company:
    return COMPANIES.restore(ctx, company_id)


def upsert(ctx: RequestContext, body: CompanyCreate) -> Reply:
    """Create or update the live company with this domain (the fields sent are written)."""
    if body.domain is None:
        raise invalid("domain", "Required to match on domain.", "required")
    sent = body.model_dump(exclude_unset=True)
    return COMPANIES.upsert(
        ctx,
        "domain",
        body.domain,
        create=lambda: create(ctx, body),
        update=lambda company_id: COMPANIES.update(ctx, company_id, sent, prepare=_prepare),
    )


batch_create = batch_creator(create, Company)
batch_update = batch_updater(update, Company)
