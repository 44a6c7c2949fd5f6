"""Project rules: a project made from a deal needs a won deal (one live project per deal) and
takes the deal's name and company unless told otherwise; project members are members of the org;
the summary weighs the time logged against the budget and counts the project's tasks by status.
Members delete the projects they own or created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.projects import store
from hearth.crm.projects.models import (
    Project,
    ProjectCreate,
    ProjectMember,
    ProjectMemberAdd,
    ProjectSummary,
    ProjectUpdate,
    TaskCounts,
)
from hearth.crm.projects.store import MEMBERS, PROJECTS
from hearth.http import Page, RequestContext
from hearth.problems import Conflict, NotFound, Unprocessable, field_error, invalid
from hearth.records.resource import MEMBER, ListParams, check_references


def _from_deal(ctx: RequestContext, deal_id: UUID, project_id: UUID | None = None) -> dict[str, Any]:
    deal = store.won_deal(ctx, deal_id)
    if deal is None:
        raise Unprocessable(
            "reference_not_found",
            "A referenced record does not exist in this org.",
            errors=[field_error("deal_id", "No deal with this id in this org.", "reference_not_found")],
        )
    if deal["status"] != "won":
        raise invalid("deal_id", "A project is made from a won deal.", "deal_not_won")
    if store.project_for_deal(ctx, deal_id, project_id):
        raise Conflict(
            "deal_has_project",
            "This deal already has a project.",
            errors=[field_error("deal_id", "Already has a live project.", "already_exists")],
        )
    return deal


def create(ctx: RequestContext, body: ProjectCreate) -> Project:
    values = body.model_dump()
    if body.deal_id is not None:
        deal = _from_deal(ctx, body.deal_id)
        values["name"] = values["name"] or deal["name"]
        if "company_id" not in body.model_fields_set:
            values["company_id"] = deal["company_id"]
    values["created_by"] = ctx.user_id
    return PROJECTS.create(ctx, values)


def update(
    ctx: RequestContext, project_id: UUID, body: ProjectUpdate, *, version: int | None = None
) -> Project:
    def prepare(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        after = {**before, **values}
        if values.get("deal_id") is not None and values["deal_id"] != before["deal_id"]:
            _from_deal(ctx, values["deal_id"], project_id)
        if after["start_date"] and after["due_date"] and after["due_date"] < after["start_date"]:
            raise invalid("due_date", "Before start_date.", "before_start")
        return values

    return PROJECTS.update(ctx, project_id, body.changes(), version=version, prepare=prepare)


def restore(ctx: RequestContext, project_id: UUID) -> Project:
    row = PROJECTS.row(ctx, project_id, deleted=True)
    if (
        row is not None
        and row["deal_id"] is not None
        and store.project_for_deal(ctx, row["deal_id"], project_id)
    ):
        raise Conflict("deal_has_project", "The deal has another live project now.")
    return PROJECTS.restore(ctx, project_id)


# -- members ---------------------------------------------------------------------------------


def _live(ctx: RequestContext, project_id: UUID) -> dict[str, Any]:
    row = PROJECTS.row(ctx, project_id)
    if row is None:
        raise NotFound("project", project_id)
    return row


def list_members(ctx: RequestContext, project_id: UUID, params: ListParams) -> Page[ProjectMember]:
    _live(ctx, project_id)
    query = MEMBERS.parse(ctx.request.query, sort=params.sort)
    rows, next_cursor = MEMBERS.page(
        ctx.db, query, limit=params.limit, cursor=params.cursor, where=[("r.project_id = %s", [project_id])]
    )
    return Page[ProjectMember](data=[ProjectMember.model_validate(r) for r in rows], next_cursor=next_cursor)


def add_member(ctx: RequestContext, project_id: UUID, body: ProjectMemberAdd) -> ProjectMember:
    project = _live(ctx, project_id)
    check_references(ctx, [("user_id", MEMBER, [body.user_id])])
    if not store.add_member(ctx, project_id, body.user_id, body.role):
        raise Conflict("already_a_project_member", "This member is already on the project.")
    row = store.member(ctx, project_id, body.user_id)
    assert row is not None
    added = ProjectMember.model_validate(row)
    ctx.audit(
        "project_member.add", "project", project_id, changes={"user_id": str(body.user_id), "role": body.role}
    )
    ctx.emit(
        "project.member_added",
        "project",
        project_id,
        {
            "object": added.model_dump(mode="json"),
            "project": {"id": str(project_id), "name": project["name"]},
        },
    )
    ctx.response_headers["Location"] = f"/v1/projects/{project_id}/members/{body.user_id}"
    return added


def remove_member(ctx: RequestContext, project_id: UUID, user_id: UUID) -> None:
    _live(ctx, project_id)
    if not store.remove_member(ctx, project_id, user_id):
        raise NotFound("project member", user_id)
    ctx.audit("project_member.remove", "project", project_id, changes={"user_id": str(user_id)})
    ctx.emit("project.member_removed", "project", project_id, {"user_id": str(user_id)})


# -- summary ---------------------------------------------------------------------------------


def summary(ctx: RequestContext, project_id: UUID) -> ProjectSummary:
    project = _live(ctx, project_id)
    figures = store.summary(ctx, project_id)
    by_status = {"open": 0, "in_progress": 0, "done": 0, "cancelled": 0, **(figures["tasks"] or {})}
    budget, logged = project["budget_minutes"], int(figures["logged_minutes"])
    return ProjectSummary(
        project_id=project_id,
        status=project["status"],
        budget_minutes=budget,
        logged_minutes=logged,
        billable_minutes=int(figures["billable_minutes"]),
        remaining_minutes=None if budget is None else budget - logged,
        budget_used_percent=None if not budget else round(100 * logged / budget, 1),
        over_budget=budget is not None and logged > budget,
        tasks=TaskCounts(**by_status, total=sum(by_status.values())),
        members=int(figures["members"]),
    )
