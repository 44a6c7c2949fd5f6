"""Time entry rules: time is logged on a live project of the org, by a member (you, unless you
name another), optionally on a task linked to that project. Members delete their own entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.time_entries.models import TimeEntry, TimeEntryCreate, TimeEntryUpdate
from hearth.crm.time_entries.store import TIME_ENTRIES, task_in_project
from hearth.http import RequestContext
from hearth.problems import invalid


def _task_of_project(ctx: RequestContext, values: dict[str, Any]) -> None:
    """``values`` is the entry as it will be."""
    TIME_ENTRIES.check_references(ctx, values)
    if values.get("task_id") is not None and not task_in_project(
        ctx, values["task_id"], values["project_id"]
    ):
        raise invalid(
            "task_id", "Not a task of this project (link the task to the project).", "task_not_in_project"
        )


def create(ctx: RequestContext, body: TimeEntryCreate) -> TimeEntry:
    values = body.model_dump()
    values["member_id"] = values["member_id"] or ctx.user_id
    values["created_by"] = ctx.user_id
    _task_of_project(ctx, values)
    return TIME_ENTRIES.create(ctx, values)


def _prepare(ctx: RequestContext) -> Any:
    def prepare(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        if "task_id" in values or "project_id" in values:
            _task_of_project(ctx, {**before, **values})
        return values

    return prepare


def update(
    ctx: RequestContext, time_entry_id: UUID, body: TimeEntryUpdate, *, version: int | None = None
) -> TimeEntry:
    return TIME_ENTRIES.update(ctx, time_entry_id, body.changes(), version=version, prepare=_prepare(ctx))
