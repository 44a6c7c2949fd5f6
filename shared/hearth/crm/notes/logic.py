"""Note rules: links point at live records of the org; members delete the notes they wrote."""

from __future__ import annotations

from uuid import UUID

from hearth.crm.notes.models import Note, NoteCreate, NoteUpdate
from hearth.crm.notes.store import LINKS, NOTES
from hearth.http import Page, RequestContext
from hearth.records.batching import batch_creator, batch_updater
from hearth.records.resource import ListParams, jsonable


def list_notes(ctx: RequestContext, params: ListParams) -> Page[Note]:
    return NOTES.list(ctx, params)


def get(ctx: RequestContext, note_id: UUID, *, include_deleted: bool = False) -> Note:
    return NOTES.get(ctx, note_id, include_deleted=include_deleted)


def create(ctx: RequestContext, body: NoteCreate) -> Note:
    LINKS.check(ctx, body.links)
    values = {"body": body.body, "created_by": ctx.user_id}
    note_id = NOTES.insert(ctx, values)
    LINKS.replace(ctx, note_id, body.links)
    return NOTES.created(ctx, note_id, {**values, "links": jsonable(body.links)})


def update(ctx: RequestContext, note_id: UUID, body: NoteUpdate, *, version: int | None = None) -> Note:
    changes = body.changes()
    changes.pop("links", None)
    change = NOTES.begin_update(ctx, note_id, changes, version=version)
    if body.links is not None:
        old = LINKS.of(ctx, note_id)
        if old != body.links:
            LINKS.check(ctx, body.links)
            LINKS.replace(ctx, note_id, body.links)
            change.changes["links"] = (jsonable(old), jsonable(body.links))
    return NOTES.finish_update(ctx, change)


def delete(ctx: RequestContext, note_id: UUID) -> None:
    NOTES.delete(ctx, note_id)


def restore(ctx: RequestContext, note_id: UUID) -> Note:
    return NOTES.restore(ctx, note_id)


batch_create = batch_creator(create, Note)
batch_update = batch_updater(update, Note)
