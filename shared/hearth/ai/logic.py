"""AI run rules.

- Members and up ask for runs; a run belongs to the user who asked (for an API key, its creator).
  Admins and owners see every run of the org; members see, and apply, their own (another member's
  run is as invisible as another org's: 404).
- A run is validated against the task table (``hearth.ai.tasks``): the subject types a task may
  be about, whether it needs a subject and instructions. The subject must be a live record of the
  org that the caller's role may read (the model will be shown it as the caller would see it);
  one that is not there is a 422 on ``subject.id``, the way every reference in a body is.
- Nothing is asked once the org's monthly token allowance is used up (402 ``quota_exceeded``).
- A run is inserted ``queued`` with the event ``ai.run.queued`` (the event dispatch consumer
  sends it to the AI worker's queue) and the audit row ``ai_run.create``; the answer is 202.
- Applying a completed ``next_actions`` run creates the chosen suggested tasks through the task
  rules, as the caller (audit ``task.create`` and ``ai_run.apply``, events ``task.created``). An
  action applied before is not applied again: its task is answered instead.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import ValidationError

from hearth.ai import budget, store
from hearth.ai.models import (
    SUBJECT_PERMISSIONS,
    SUBJECT_TABLES,
    AiRun,
    AiRunApplied,
    AiRunApply,
    AiRunCreate,
    AppliedAction,
)
from hearth.ai.tasks import TASKS
from hearth.crm.links import Link
from hearth.crm.tasks import logic as tasks_logic
from hearth.crm.tasks.models import TaskCreate
from hearth.events.types import AI_RUN_QUEUED
from hearth.http import RequestContext
from hearth.problems import Conflict, NotFound, Unprocessable, field_error, invalid

#: The fields of a suggested task (``hearth.ai.tasks.SuggestedTask``) that apply takes from the
#: model's answer, as task fields (nothing else: not an assignee, not links the caller did not choose).
SUGGESTED_TASK_FIELDS = {
    "title": "title",
    "description": "body",
    "due_date": "due_date",
    "priority": "priority",
}


def visible_runs(ctx: RequestContext) -> list[tuple[str, list[object]]]:
    """The list's fixed condition: an "own" scope (members) sees only the runs it asked for."""
    return [("r.user_id = %s", [ctx.user_id])] if ctx.scope == "own" else []


def run_model(row: dict[str, Any]) -> AiRun:
    return AiRun.model_validate(row)


def _validate(ctx: RequestContext, body: AiRunCreate) -> None:
    task = TASKS[body.task]
    if body.subject is None and task.needs_subject:
        raise invalid("subject", f"The {body.task} task is about a record: name it.", "required")
    if body.subject is not None and body.subject.type not in task.subjects:
        allowed = ", ".join(sorted(task.subjects))
        raise invalid("subject.type", f"The {body.task} task is about a {allowed}.", "unsupported_subject")
    if task.needs_instructions and not body.instructions:
        raise invalid("instructions", f"The {body.task} task needs instructions (your question).", "required")
    if body.subject is not None:
        ctx.require(SUBJECT_PERMISSIONS[body.subject.type])
        if not store.subject_exists(ctx.db, SUBJECT_TABLES[body.subject.type], body.subject.id):
            raise Unprocessable(
                "reference_not_found",
                "A referenced record does not exist in this org.",
                errors=[
                    field_error(
                        "subject.id",
                        f"No {body.subject.type} with this id in this org.",
                        "reference_not_found",
                    )
                ],
            )


def create(ctx: RequestContext, body: AiRunCreate) -> AiRun:
    assert ctx.user_id is not None
    _validate(ctx, body)
    budget.check(ctx.db, ctx.org_id)
    row = store.insert(
        ctx.db,
        user_id=ctx.user_id,
        task=body.task,
        subject_type=body.subject.type if body.subject else None,
        subject_id=body.subject.id if body.subject else None,
        instructions=body.instructions,
        # An API key reads no more through the model than it may itself (its role may be below
        # its creator's, whose current role the worker reads with).
        role_cap=ctx.role.value if ctx.principal.kind == "api_key" else None,
    )
    run = run_model(row)
    summary = {
        "task": run.task,
        "subject": run.subject.model_dump(mode="json") if run.subject else None,
        "has_instructions": run.instructions is not None,  # never the text: it may hold personal data
    }
    ctx.audit("ai_run.create", "ai_run", run.id, changes=summary)
    ctx.emit(
        AI_RUN_QUEUED,
        "ai_run",
        run.id,
        {"object": {"id": str(run.id), "user_id": str(run.user_id), "status": run.status, **summary}},
    )
    ctx.response_headers["Location"] = f"/v1/ai/runs/{run.id}"
    ctx.set_etag(run.version)
    return run


def _visible(ctx: RequestContext, run_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = store.get(ctx.db, run_id, lock=lock)
    if row is None or not ctx.owns(row["user_id"]):
        raise NotFound("ai_run", run_id)
    return row


def get(ctx: RequestContext, run_id: UUID) -> AiRun:
    run = run_model(_visible(ctx, run_id))
    ctx.set_etag(run.version)
    return run


def _suggested(run: dict[str, Any], index: int) -> TaskCreate:
    """The task an action of the run suggests, validated as any task body is; linked to the run's
    subject."""
    actions = (run["output"] or {}).get("actions")
    if not isinstance(actions, list) or index >= len(actions):
        raise invalid("actions", f"The run suggested no action {index}.", "no_such_action")
    action = actions[index]
    suggested = action.get("task") if isinstance(action, dict) else None
    fields = {
        SUGGESTED_TASK_FIELDS[k]: v
        for k, v in (suggested or {}).items()
        if k in SUGGESTED_TASK_FIELDS and v is not None
    }
    links = [Link(type=run["subject_type"], id=run["subject_id"])] if run["subject_type"] else []
    try:
        return TaskCreate.model_validate({**fields, "links": links})
    except ValidationError:
        raise invalid(
            "actions", f"Action {index} does not suggest a valid task.", "invalid_suggestion"
        ) from None


def apply(ctx: RequestContext, run_id: UUID, body: AiRunApply) -> AiRunApplied:
    ctx.require("tasks:create")
    row = _visible(ctx, run_id, lock=True)
    if row["task"] != "next_actions":
        raise Conflict("not_applicable", "Only the actions of a next_actions run can be applied.")
    if row["status"] != "completed":
        raise Conflict("run_not_completed", f"The run is {row['status']}; apply it once it has completed.")
    if row["purged_at"] is not None:
        raise Conflict("run_purged", "The run's output was erased (retention); ask for a new run.")
    wanted = list(dict.fromkeys(body.actions))
    applied: dict[str, str] = {k: str(v) for k, v in (row["applied"] or {}).items()}
    fresh = {i: _suggested(row, i) for i in wanted if str(i) not in applied}  # all checked before writing
    results = []
    for index in wanted:
        if index in fresh:
            task = tasks_logic.create(ctx, fresh[index])
            applied[str(index)] = str(task.id)
        results.append(AppliedAction(index=index, task_id=UUID(applied[str(index)]), created=index in fresh))
    # The tasks were created by the task rules, which point Location and ETag at a task.
    ctx.response_headers.pop("Location", None)
    ctx.response_headers.pop("ETag", None)
    if fresh:
        store.set_applied(ctx.db, run_id, applied)
        ctx.audit(
            "ai_run.apply",
            "ai_run",
            run_id,
            changes={"actions": sorted(fresh), "tasks": [applied[str(i)] for i in sorted(fresh)]},
        )
    return AiRunApplied(run_id=run_id, actions=results)
