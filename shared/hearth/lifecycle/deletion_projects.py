"""Purging a soft-deleted project (``POST /v1/projects/{id}/purge``, admins and owners)::

    purge(ctx, project_id)   # ProjectPurged(id, tasks=3, notes=1, time_entries=4, links=6)

Only a soft-deleted project is purged (409 ``project_not_deleted`` otherwise; 404 for one that
is not the org's). It goes for good with what belongs to it alone: the tasks and notes linked to
it and to nothing else (soft-deleted first, then deleted: the app role may delete only what is
soft-deleted), its members, links and time entries (the foreign keys' ``ON DELETE``), and the
tasks' dependencies and GitHub links. A task or note linked elsewhere too stays, without the
link. Audited ``project.purge`` with the counts; announced ``project.purged``.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from hearth.http import RequestContext
from hearth.problems import Conflict, NotFound

PROJECT_PURGED = "project.purged"

# Soft-delete the tasks and notes linked to the project and to nothing else; their ids.
_DELETE_OWN_TASKS = """
UPDATE tasks SET deleted_at = COALESCE(deleted_at, now()), deleted_by = COALESCE(deleted_by, %(by)s)
WHERE id IN (
  SELECT l.task_id FROM task_links l WHERE l.project_id = %(p)s
  EXCEPT SELECT o.task_id FROM task_links o WHERE o.project_id IS DISTINCT FROM %(p)s
)
RETURNING id
"""
_DELETE_OWN_NOTES = """
UPDATE notes SET deleted_at = COALESCE(deleted_at, now()), deleted_by = COALESCE(deleted_by, %(by)s)
WHERE id IN (
  SELECT l.note_id FROM note_links l WHERE l.project_id = %(p)s
  EXCEPT SELECT o.note_id FROM note_links o WHERE o.project_id IS DISTINCT FROM %(p)s
)
RETURNING id
"""


class ProjectPurged(BaseModel):
    id: UUID
    tasks: int
    notes: int
    time_entries: int
    links: int


def _count(ctx: RequestContext, sql: str, project_id: UUID) -> int:
    row = ctx.db.execute(sql, {"p": project_id}).fetchone()
    return int(row["n"]) if row else 0


def purge(ctx: RequestContext, project_id: UUID) -> ProjectPurged:
    row = ctx.db.execute(
        "SELECT id, deleted_at FROM projects WHERE id = %s FOR UPDATE", (project_id,)
    ).fetchone()
    if row is None:
        raise NotFound("project", project_id)
    if row["deleted_at"] is None:
        raise Conflict("project_not_deleted", "Only a deleted project can be purged: delete it first.")
    params = {"p": project_id, "by": ctx.user_id}
    entries = _count(ctx, "SELECT count(*) AS n FROM time_entries WHERE project_id = %(p)s", project_id)
    links = _count(
        ctx,
        "SELECT (SELECT count(*) FROM task_links WHERE project_id = %(p)s)"
        " + (SELECT count(*) FROM note_links WHERE project_id = %(p)s) AS n",
        project_id,
    )
    tasks = ctx.db.execute(_DELETE_OWN_TASKS, params).fetchall()
    notes = ctx.db.execute(_DELETE_OWN_NOTES, params).fetchall()
    task_ids = [r["id"] for r in tasks]
    note_ids = [r["id"] for r in notes]
    # the project first: its links go with it, so the tasks' and notes' rows are theirs alone
    ctx.db.execute("DELETE FROM projects WHERE id = %s", (project_id,))
    ctx.db.execute("DELETE FROM tasks WHERE id = ANY(%s)", (task_ids,))
    ctx.db.execute("DELETE FROM notes WHERE id = ANY(%s)", (note_ids,))
    purged = ProjectPurged(
        id=project_id, tasks=len(task_ids), notes=len(note_ids), time_entries=entries, links=links
    )
    ctx.audit("project.purge", "project", project_id, changes=purged.model_dump(mode="json", exclude={"id"}))
    ctx.emit(PROJECT_PURGED, "project", project_id, {"object": {"id": str(project_id)}})
    return purged
