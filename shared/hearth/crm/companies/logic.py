"""Company rules: the domain is unique among live companies (upsert matches on it); an annual
revenue needs its currency; custom properties merge on update; members delete the companies they
own or created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.companies.models import Company, CompanyCreate, CompanyUpdate
from hearth.crm.companies.store import COMPANIES
from hearth.crm.fields import merge_properties, require_together, without_nulls
from hearth.http import RequestContext


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
    return update_fields(ctx, company_id, body.changes(), version=version)


def update_fields(
    ctx: RequestContext, company_id: UUID, fields: dict[str, Any], *, version: int | None = None
) -> Company:
    """Write ``fields`` (an update's changes, or what an upsert sent)."""
    return COMPANIES.update(ctx, company_id, fields, version=version, prepare=_prepare)
