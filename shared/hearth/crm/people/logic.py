"""Person rules: the primary email is unique among live people (upsert matches on it); a person
has a first or a last name; the company must be a live company of the org; custom properties
merge on update; members delete the people they own or created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.fields import merge_properties, without_nulls
from hearth.crm.people.models import Person, PersonCreate, PersonUpdate
from hearth.crm.people.store import PEOPLE
from hearth.http import Page, Reply, RequestContext
from hearth.problems import invalid
from hearth.records.batching import batch_creator, batch_updater
from hearth.records.resource import ListParams


def list_people(ctx: RequestContext, params: ListParams) -> Page[Person]:
    return PEOPLE.list(ctx, params)


def get(ctx: RequestContext, person_id: UUID, *, include_deleted: bool = False) -> Person:
    return PEOPLE.get(ctx, person_id, include_deleted=include_deleted)


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
    return PEOPLE.update(ctx, person_id, body.changes(), version=version, prepare=_prepare)


def delete(ctx: RequestContext, person_id: UUID) -> None:
    PEOPLE.delete(ctx, person_id)


def restore(ctx: RequestContext, person_id: UUID) -> Person:
    return PEOPLE.restore(ctx, person_id)


def upsert(ctx: RequestContext, body: PersonCreate) -> Reply:
    """Create or update the live person with this primary email (the fields sent are written)."""
    if body.email is None:
        raise invalid("email", "Required to match on email.", "required")
    sent = body.model_dump(exclude_unset=True)
    return PEOPLE.upsert(
        ctx,
        "email",
        body.email,
        create=lambda: create(ctx, body),
        update=lambda person_id: PEOPLE.update(ctx, person_id, sent, prepare=_prepare),
    )


batch_create = batch_creator(create, Person)
batch_update = batch_updater(update, Person)
