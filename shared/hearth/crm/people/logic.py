"""Person rules: the primary email is unique among live people (upsert matches on it); a person
has a first or a last name; the company must be a live company of the org; custom properties
merge on update; members delete the people they own or created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.fields import merge_properties, without_nulls
from hearth.crm.people.models import Person, PersonCreate, PersonUpdate
from hearth.crm.people.store import PEOPLE
from hearth.http import RequestContext
from hearth.problems import invalid


def create(ctx: RequestContext, body: PersonCreate) -> Person:
    values = body.model_dump()
    values["properties"] = without_nulls(values["properties"])
    values["created_by"] = ctx.user_id
    return PEOPLE.create(ctx, values)


def _prepare(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    values = merge_properties(before, values)
    after = {**before, **values}
    if after["first_name"] is None and after["last_name"] is None:
        raise invalid("last_name", "A person keeps a first_name or a last_name.", "required")
    return values


def update(ctx: RequestContext, person_id: UUID, body: PersonUpdate, *, version: int | None = None) -> Person:
    return update_fields(ctx, person_id, body.changes(), version=version)


def update_fields(
    ctx: RequestContext, person_id: UUID, fields: dict[str, Any], *, version: int | None = None
) -> Person:
    """Write ``fields`` (an update's changes, or what an upsert sent)."""
    return PEOPLE.update(ctx, person_id, fields, version=version, prepare=_prepare)
