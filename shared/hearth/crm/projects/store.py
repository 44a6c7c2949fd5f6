"""The projects and project_members tables, and the summary query."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.projects.models import Project
from hearth.http.context import RequestContext
from hearth.listing import Field, Listing
from hearth.records.resource import MEMBER, RECORD_FIELDS, Reference, Resource

LISTING = Listing(
    select="SELECT r.* FROM projects r",
    fields=(
        *RECORD_FIELDS,
        Field("name", "text", sortable=True, nullable=False),
        Field(
            "status",
            "choice",
            choices=("planned", "active", "on_hold", "completed", "cancelled"),
            nullable=False,
        ),
        Field("deal_id", "uuid"),
        Field("company_id", "uuid"),
        Field("owner_id", "uuid"),
        Field("created_by", "uuid"),
        Field("start_date", "date", sortable=True),
        Field("due_date", "date", sortable=True),
        Field("budget_minutes", "int", sortable=True),
        Field("tags", "tags"),
        Field(
            "member_id",
            "uuid",
            exists="SELECT 1 FROM project_members m WHERE m.project_id = r.id AND m.user_id = ANY({})",
        ),
    ),
    search=("r.name",),
)

PROJECTS = Resource(
    name="project",
    table="projects",
    path="/v1/projects",
    model=Project,
    listing=LISTING,
    references={
        "company_id": Reference("companies", "company"),
        "deal_id": Reference("deals", "deal"),
        "owner_id": MEMBER,
    },
    owners=("owner_id", "created_by"),
)

_MEMBER_ROWS = (
    "SELECT r.* FROM (SELECT m.user_id AS id, m.project_id, m.user_id, m.role, m.created_at,"
    " u.email, u.name FROM project_members m JOIN users u ON u.id = m.user_id) r"
)

MEMBERS = Listing(
    select=_MEMBER_ROWS,
    fields=(
        Field("id", "uuid", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("role", "choice", choices=("lead", "contributor"), nullable=False),
    ),
    default_sort="created_at",
    soft_delete=False,
)


def member(ctx: RequestContext, project_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return ctx.db.execute(
        _MEMBER_ROWS + " WHERE r.project_id = %s AND r.user_id = %s",
        (project_id, user_id),
    ).fetchone()


def add_member(ctx: RequestContext, project_id: UUID, user_id: UUID, role: str) -> bool:
    """False when the user already is a member of the project."""
    cur = ctx.db.execute(
        "INSERT INTO project_members (org_id, project_id, user_id, role) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (org_id, project_id, user_id) DO NOTHING",
        (ctx.org_id, project_id, user_id, role),
    )
    return cur.rowcount == 1


def remove_member(ctx: RequestContext, project_id: UUID, user_id: UUID) -> bool:
    cur = ctx.db.execute(
        "DELETE FROM project_members WHERE project_id = %s AND user_id = %s", (project_id, user_id)
    )
    return cur.rowcount == 1


def summary(ctx: RequestContext, project_id: UUID) -> dict[str, Any]:
    row = ctx.db.execute(
        """
        SELECT
          (SELECT coalesce(sum(minutes), 0) FROM time_entries
             WHERE project_id = %(p)s AND deleted_at IS NULL) AS logged_minutes,
          (SELECT coalesce(sum(minutes), 0) FROM time_entries
             WHERE project_id = %(p)s AND deleted_at IS NULL AND billable) AS billable_minutes,
          (SELECT count(*) FROM project_members WHERE project_id = %(p)s) AS members,
          (SELECT jsonb_object_agg(status, n) FROM (
             SELECT t.status, count(*) AS n FROM tasks t JOIN task_links l ON l.task_id = t.id
             WHERE l.project_id = %(p)s AND t.deleted_at IS NULL GROUP BY t.status) s) AS tasks
        """,
        {"p": project_id},
    ).fetchone()
    assert row is not None
    return row


def won_deal(ctx: RequestContext, deal_id: UUID) -> dict[str, Any] | None:
    return ctx.db.execute(
        "SELECT id, name, company_id, status FROM deals WHERE id = %s AND deleted_at IS NULL", (deal_id,)
    ).fetchone()


def project_for_deal(ctx: RequestContext, deal_id: UUID, exclude: UUID | None = None) -> bool:
    row = ctx.db.execute(
        "SELECT 1 FROM projects WHERE deal_id = %s AND deleted_at IS NULL AND id IS DISTINCT FROM %s",
        (deal_id, exclude),
    ).fetchone()
    return row is not None
