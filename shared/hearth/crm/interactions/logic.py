"""Interaction rules: an interaction stays linked to at least one person, company or deal (live
records of the org); a provider's external reference is recorded once; members delete the
interactions they recorded."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.interactions.models import Interaction, InteractionCreate, InteractionUpdate
from hearth.crm.interactions.store import INTERACTIONS
from hearth.http import RequestContext
from hearth.problems import invalid


def create(ctx: RequestContext, body: InteractionCreate) -> Interaction:
    return INTERACTIONS.create(ctx, {**body.model_dump(), "created_by": ctx.user_id})


def _still_linked(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    after = {**before, **values}
    if after["person_id"] is None and after["company_id"] is None and after["deal_id"] is None:
        raise invalid("person_id", "An interaction stays linked to a person, company or deal.", "required")
    return values


def update(
    ctx: RequestContext, interaction_id: UUID, body: InteractionUpdate, *, version: int | None = None
) -> Interaction:
    return INTERACTIONS.update(ctx, interaction_id, body.changes(), version=version, prepare=_still_linked)
