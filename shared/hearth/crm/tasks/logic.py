"""Task rules: links point at live records of the org; a task cannot depend on itself and a
dependency that would close a cycle is refused; a task cannot be done while a task it depends on
is unfinished; becoming done stamps ``completed_at`` and announces ``task.completed``. Members
delete the tasks assigned to them or created by them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hearth.crm.tasks import store
from hearth.crm.tasks.models import Task, TaskCreate, TaskUpdate
from hearth.crm.tasks.store import LINKS, TASKS
from hearth.http import RequestContext
from hearth.problems import Conflict, invalid
from hearth.records.resource import Change, Reference, check_references, jsonable

TASK = Reference("tasks", "task")


def _can_finish(ctx: RequestContext, depends_on: list[UUID]) -> None:
    waiting = store.unfinished(ctx, depends_on)
    if waiting:
        raise Conflict(
            "blocked_by_dependencies", f"{waiting} task(s) this one depends on are not done or cancelled yet."
        )


def _check_dependencies(ctx: RequestContext, task_id: UUID | None, depends_on: list[UUID]) -> list[UUID]:
    wanted = list(dict.fromkeys(depends_on))
    if task_id is not None and task_id in wanted:
        raise invalid("depends_on", "A task cannot depend on itself.", "self_dependency")
    check_references(ctx, [("depends_on", TASK, wanted)])
    return wanted


def create(ctx: RequestContext, body: TaskCreate) -> Task:
    values = body.model_dump(exclude={"links", "depends_on"})
    values["created_by"] = ctx.user_id
    LINKS.check(ctx, body.links)
    depends_on = _check_dependencies(ctx, None, body.depends_on)
    if values["status"] == "done":
        _can_finish(ctx, depends_on)
        values["completed_at"] = datetime.now(UTC)
    task_id = TASKS.insert(ctx, values)
    LINKS.replace(ctx, task_id, body.links)
    store.set_dependencies(ctx, task_id, depends_on)  # a new task: nothing depends on it, no cycle
    task = TASKS.created(ctx, task_id, {**values, "links": jsonable(body.links), "depends_on": depends_on})
    if task.status == "done":
        TASKS.emit(ctx, "completed", task)
    return task


def _completion(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    status = values.get("status", before["status"])
    if status != before["status"]:
        values["completed_at"] = datetime.now(UTC) if status == "done" else None
    return values


def _relink(ctx: RequestContext, change: Change, links: Any, depends_on: list[UUID] | None) -> None:
    if links is not None:
        old, new = LINKS.of(ctx, change.id), list(links)
        if old != new:
            LINKS.check(ctx, new)
            LINKS.replace(ctx, change.id, new)
            change.changes["links"] = (jsonable(old), jsonable(new))
    if depends_on is not None:
        old_deps = store.dependencies(ctx, change.id)
        wanted = _check_dependencies(ctx, change.id, depends_on)
        if set(old_deps) != set(wanted):
            if store.reaches(ctx, wanted, change.id):
                raise invalid(
                    "depends_on", "This would make the tasks depend on each other in a cycle.", "cycle"
                )
            store.set_dependencies(ctx, change.id, wanted)
            change.changes["depends_on"] = (old_deps, wanted)


def update(ctx: RequestContext, task_id: UUID, body: TaskUpdate, *, version: int | None = None) -> Task:
    changes = body.changes()
    links = body.links if "links" in changes else None
    depends_on = changes.pop("depends_on", None)
    changes.pop("links", None)
    if depends_on is not None:
        store.lock_graph(ctx)  # before the row lock: one order of locks for every request
    change = TASKS.begin_update(ctx, task_id, changes, version=version, prepare=_completion)
    _relink(ctx, change, links, depends_on)
    completed = "status" in change.changes and change.changes["status"][1] == "done"
    if completed:
        _can_finish(ctx, store.dependencies(ctx, task_id))
    task = TASKS.finish_update(ctx, change)
    if completed:
        TASKS.emit(ctx, "completed", task)
    if {"title", "status"} & set(change.changes) and store.has_github_issue(ctx, task_id):
        # The GitHub sync queue brings the linked issue in step (hearth.github.issues).
        ctx.emit("github.issue.sync_queued", "task", task_id, data={"task_id": str(task_id), "key": task.key})
    return task
