"""Note rules: links point at live records of the org; members delete the notes they wrote."""

from __future__ import annotations

from uuid import UUID

from hearth.crm.notes.models import Note, NoteCreate, NoteUpdate
from hearth.crm.notes.store import LINKS, NOTES
from hearth.http import RequestContext
from hearth.records.resource import jsonable


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
