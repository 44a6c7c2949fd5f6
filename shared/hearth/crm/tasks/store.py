"""The tasks table (a resource of the route kit), its links and its dependency graph."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.links import LinkTable
from hearth.crm.tasks import keys
from hearth.crm.tasks.models import Task
from hearth.http.context import RequestContext
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Resource

LINKS = LinkTable("task_links", "task_id")
DONE = ("done", "cancelled")


def dependencies(ctx: RequestContext, task_id: UUID) -> list[UUID]:
    rows = ctx.db.execute(
        "SELECT depends_on_id FROM task_dependencies WHERE task_id = %s ORDER BY created_at, depends_on_id",
        (task_id,),
    ).fetchall()
    return [r["depends_on_id"] for r in rows]


def _decorate(ctx: RequestContext, rows: list[dict[str, Any]]) -> None:
    LINKS.load(ctx, rows)
    found = ctx.db.execute(
        "SELECT task_id, depends_on_id FROM task_dependencies WHERE task_id = ANY(%s)"
        " ORDER BY created_at, depends_on_id",
        ([r["id"] for r in rows],),
    ).fetchall()
    for row in rows:
        row["depends_on"] = [d["depends_on_id"] for d in found if d["task_id"] == row["id"]]


LISTING = Listing(
    select="SELECT r.*, o.task_key_prefix || '-' || r.number AS key"
    " FROM tasks r JOIN orgs o ON o.id = r.org_id",
    fields=(
        *RECORD_FIELDS,
        Field("title", "text", sortable=True, nullable=False),
        Field("status", "choice", choices=("open", "in_progress", "done", "cancelled"), nullable=False),
        Field("priority", "choice", choices=("low", "normal", "high", "urgent"), nullable=False),
        Field("due_date", "date", sortable=True),
        Field("assignee_id", "uuid"),
        Field("completed_at", "datetime", sortable=True),
        Field("created_by", "uuid"),
        Field("number", "int", sortable=True, nullable=False),
        *LINKS.filters(),
    ),
    search=("r.title",),
)

TASKS = Resource(
    name="task",
    table="tasks",
    path="/v1/tasks",
    model=Task,
    listing=LISTING,
    references={"assignee_id": MEMBER},
    owners=("assignee_id", "created_by"),
    decorate=_decorate,
    ref_type=keys.TaskRef,
    resolve=keys.resolve,
)


def lock_graph(ctx: RequestContext) -> None:
    """Serialise dependency changes in this org, so two requests cannot close a cycle together."""
    ctx.db.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{ctx.org_id}:task_dependencies",)
    )


def reaches(ctx: RequestContext, start: list[UUID], target: UUID) -> bool:
    """Whether ``target`` is among ``start`` or what they (transitively) depend on."""
    row = ctx.db.execute(
        """
        WITH RECURSIVE reach(id) AS (
          SELECT unnest(%(start)s::uuid[])
          UNION
          SELECT d.depends_on_id FROM task_dependencies d JOIN reach ON d.task_id = reach.id
        )
        SELECT EXISTS (SELECT 1 FROM reach WHERE id = %(target)s) AS found
        """,
        {"start": start, "target": target},
    ).fetchone()
    return bool(row and row["found"])


def set_dependencies(ctx: RequestContext, task_id: UUID, depends_on: list[UUID]) -> None:
    ctx.db.execute("DELETE FROM task_dependencies WHERE task_id = %s", (task_id,))
    for other in depends_on:  # clock_timestamp(): dependencies keep the order they were given in
        ctx.db.execute(
            "INSERT INTO task_dependencies (org_id, task_id, depends_on_id, created_at)"
            " VALUES (%s, %s, %s, clock_timestamp())",
            (ctx.org_id, task_id, other),
        )


def unfinished(ctx: RequestContext, task_ids: list[UUID]) -> int:
    """How many of ``task_ids`` are live and neither done nor cancelled."""
    row = ctx.db.execute(
        "SELECT count(*) AS n FROM tasks WHERE id = ANY(%s) AND deleted_at IS NULL"
        " AND status NOT IN ('done', 'cancelled')",
        (task_ids,),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def has_github_issue(ctx: RequestContext, task_id: UUID) -> bool:
    """Whether a GitHub issue is linked to the task (its title and state follow the task's)."""
    row = ctx.db.execute(
        "SELECT EXISTS (SELECT 1 FROM task_github_links WHERE task_id = %s AND kind = 'issue') AS linked",
        (task_id,),
    ).fetchone()
    return bool(row and row["linked"])
