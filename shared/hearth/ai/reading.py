"""Reading the org's CRM as the user a run is for: what the context and the tools both use.

Every read names the record type, checks the reader's role (``hearth.rbac``: ``<table>:read``;
an ``own`` scope narrows it to the records the reader owns or created) and runs in the tenant
transaction it is given, so row-level security scopes it to the org. Soft-deleted records are
never read. Reads go through each resource's list declaration (``hearth.listing``): the same
filters, search and order as the API's list routes::

    reader = Reader(org_id, user_id, "viewer")
    rows = read(conn, reader, "deal", filters=[("filter[status]", "open")], limit=10)
    brief(conn, reader, "deal", rows)   # the fields the assistant is shown, compact

What the assistant is shown of a record is :func:`brief`: names, statuses, stages, amounts,
dates and short texts; no contact details (the tasks do not need them), no internal user ids
(owners and assignees are shown by name, when the role may read members), related records by
name. Text is cut to :data:`MAX_TEXT` characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import rbac
from hearth.crm.companies.store import COMPANIES
from hearth.crm.deals.store import DEALS
from hearth.crm.interactions.store import INTERACTIONS
from hearth.crm.notes.store import NOTES
from hearth.crm.people.store import PEOPLE
from hearth.crm.pipelines.store import PIPELINES, STAGES
from hearth.crm.projects.store import PROJECTS
from hearth.crm.tasks.store import TASKS
from hearth.db import Connection
from hearth.members.store import LISTING as MEMBERS
from hearth.records.resource import Resource

#: Record types the assistant may read, by the product's singular word.
RESOURCES: dict[str, Resource[Any]] = {
    "company": COMPANIES,
    "person": PEOPLE,
    "deal": DEALS,
    "project": PROJECTS,
    "task": TASKS,
    "note": NOTES,
    "interaction": INTERACTIONS,
    "pipeline": PIPELINES,
    "pipeline_stage": STAGES,
}
#: The permission resource of a type whose table has no permission of its own.
_PERMISSION = {"pipeline_stage": "pipelines"}
#: The longest text of one field the assistant is shown (longer text is cut, marked "…").
MAX_TEXT = 500
OPEN_TASK_STATUSES = "open,in_progress"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: the org, the user a run is for and their current role."""

    org_id: UUID | str
    user_id: UUID | str | None
    role: str

    def scope(self, record_type: str) -> rbac.Scope | None:
        """The scope the reader reads ``record_type`` with (``None``: not at all)."""
        resource = _PERMISSION.get(record_type, RESOURCES[record_type].table)
        return rbac.scope(self.role, f"{resource}:read")

    def may_read(self, record_type: str) -> bool:
        return self.scope(record_type) is not None


class Unreadable(Exception):
    """The reader's role may not read this record type."""

    def __init__(self, record_type: str) -> None:
        super().__init__(f"the role may not read {record_type} records")
        self.record_type = record_type


def cut(text: str | None, limit: int = MAX_TEXT) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _owned(resource: Resource[Any], reader: Reader) -> tuple[str, list[Any]]:
    if reader.user_id is None:
        return "false", []
    condition = " OR ".join(f"r.{column} = %s" for column in resource.owners)
    return f"({condition})", [reader.user_id] * len(resource.owners)


def read(
    conn: Connection,
    reader: Reader,
    record_type: str,
    *,
    filters: Iterable[tuple[str, str]] = (),
    q: str | None = None,
    sort: str | None = None,
    where: Sequence[tuple[str, Sequence[Any]]] = (),
    limit: int,
) -> list[dict[str, Any]]:
    """Live rows of ``record_type`` the reader may read, through the resource's list declaration
    (``filters`` in the list syntax: ``[("filter[status]", "open")]``; a bad one raises the
    list's 422 :class:`hearth.problems.Problem`). :class:`Unreadable` when the role reads none."""
    resource = RESOURCES[record_type]
    scope = reader.scope(record_type)
    if scope is None:
        raise Unreadable(record_type)
    conditions = list(where)
    if scope == "own":
        conditions.append(_owned(resource, reader))
    query = resource.listing.parse(list(filters), sort=sort, q=q)
    rows, _next = resource.listing.page(conn, query, limit=limit, cursor=None, where=conditions)
    return rows


def one(conn: Connection, reader: Reader, record_type: str, record_id: UUID) -> dict[str, Any] | None:
    """The live record, or ``None`` (no such record in the org, deleted, or not the reader's
    under an ``own`` scope). :class:`Unreadable` when the role reads none of the type."""
    rows = read(conn, reader, record_type, where=[("r.id = %s", [record_id])], limit=1)
    return rows[0] if rows else None


# -- what the assistant is shown ---------------------------------------------------------------


def _money(amount: int | None, currency: str | None) -> dict[str, Any] | None:
    return None if amount is None else {"minor_units": amount, "currency": currency}


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _person_name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or "(no name)"


def _name(record_type: str, row: dict[str, Any]) -> str:
    return _person_name(row) if record_type == "person" else str(row.get("name") or row.get("title") or "")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], {}, "")}


@dataclass
class Names:
    """Names of related records and members, looked up in bulk (only what the role may read)."""

    records: dict[tuple[str, UUID], str]
    members: dict[UUID, str]

    def of(self, record_type: str, record_id: UUID | None) -> str | None:
        return None if record_id is None else self.records.get((record_type, record_id))

    def member(self, user_id: UUID | None) -> str | None:
        return None if user_id is None else self.members.get(user_id)


#: For each record type, its columns that refer to other records (column -> type).
_RELATED: dict[str, dict[str, str]] = {
    "person": {"company_id": "company"},
    "deal": {
        "company_id": "company",
        "primary_contact_id": "person",
        "pipeline_id": "pipeline",
        "stage_id": "pipeline_stage",
    },
    "project": {"company_id": "company", "deal_id": "deal"},
    "interaction": {"person_id": "person", "company_id": "company", "deal_id": "deal"},
}
_MEMBER_COLUMNS = ("owner_id", "assignee_id")


def names(conn: Connection, reader: Reader, record_type: str, rows: Sequence[dict[str, Any]]) -> Names:
    """The names :func:`brief` shows for ``rows``' related records and members."""
    wanted: dict[str, set[UUID]] = {}
    for row in rows:
        for column, other in _RELATED.get(record_type, {}).items():
            if row.get(column) is not None:
                wanted.setdefault(other, set()).add(row[column])
        for link in row.get("links") or []:
            wanted.setdefault(link.type, set()).add(link.id)
    found: dict[tuple[str, UUID], str] = {}
    for other, ids in wanted.items():
        if not reader.may_read(other):
            continue
        for r in read(conn, reader, other, where=[("r.id = ANY(%s)", [list(ids)])], limit=len(ids)):
            found[(other, r["id"])] = _name(other, r)
    users = {row[c] for row in rows for c in _MEMBER_COLUMNS if row.get(c) is not None}
    members: dict[UUID, str] = {}
    if users and rbac.allows(reader.role, "members:read"):
        query = MEMBERS.parse([])
        listed, _ = MEMBERS.page(
            conn, query, limit=len(users), cursor=None, where=[("r.user_id = ANY(%s)", [list(users)])]
        )
        for m in listed:
            you = reader.user_id is not None and str(m["user_id"]) == str(reader.user_id)
            members[m["user_id"]] = "you" if you else (m["name"] or "a member")
    return Names(found, members)


def related(record_type: str, row: dict[str, Any], known: Names) -> list[dict[str, str]]:
    """The related records :func:`brief` names (for the run's list of records shown)."""
    out = []
    for column, other in _RELATED.get(record_type, {}).items():
        if row.get(column) is not None and (other, row[column]) in known.records:
            out.append({"type": other, "id": str(row[column])})
    for link in row.get("links") or []:
        if (link.type, link.id) in known.records:
            out.append({"type": link.type, "id": str(link.id)})
    return out


def brief(record_type: str, row: dict[str, Any], known: Names, *, with_id: bool = True) -> dict[str, Any]:
    """What the assistant is shown of one record."""
    data: dict[str, Any] = {"type": record_type, "id": str(row["id"])} if with_id else {}
    if record_type == "company":
        address = row.get("address") or {}
        data |= {
            "name": row["name"],
            "domain": row.get("domain"),
            "industry": row.get("industry"),
            "employees": row.get("employee_count"),
            "annual_revenue": _money(row.get("annual_revenue"), row.get("annual_revenue_currency")),
            "city": address.get("city"),
            "country": address.get("country"),
            "owner": known.member(row.get("owner_id")),
            "tags": row.get("tags"),
        }
    elif record_type == "person":
        data |= {
            "name": _person_name(row),
            "job_title": row.get("job_title"),
            "company": known.of("company", row.get("company_id")),
            "owner": known.member(row.get("owner_id")),
            "sms_opt_out": row.get("sms_opt_out") or None,
            "tags": row.get("tags"),
        }
    elif record_type == "deal":
        data |= {
            "name": row["name"],
            "status": row["status"],
            "pipeline": known.of("pipeline", row.get("pipeline_id")),
            "stage": known.of("pipeline_stage", row.get("stage_id")),
            "amount": _money(row.get("amount"), row.get("currency")),
            "expected_close_date": _date(row.get("expected_close_date")),
            "closed_at": _date(row.get("closed_at")),
            "lost_reason": cut(row.get("lost_reason")),
            "company": known.of("company", row.get("company_id")),
            "primary_contact": known.of("person", row.get("primary_contact_id")),
            "owner": known.member(row.get("owner_id")),
            "tags": row.get("tags"),
        }
    elif record_type == "project":
        data |= {
            "name": row["name"],
            "status": row["status"],
            "description": cut(row.get("description")),
            "start_date": _date(row.get("start_date")),
            "due_date": _date(row.get("due_date")),
            "budget_minutes": row.get("budget_minutes"),
            "company": known.of("company", row.get("company_id")),
            "deal": known.of("deal", row.get("deal_id")),
            "owner": known.member(row.get("owner_id")),
            "tags": row.get("tags"),
        }
    elif record_type == "task":
        data |= {
            "title": row["title"],
            "status": row["status"],
            "priority": row["priority"],
            "due_date": _date(row.get("due_date")),
            "body": cut(row.get("body")),
            "assignee": known.member(row.get("assignee_id")),
            "about": [
                f"{link.type}: {known.records[(link.type, link.id)]}"
                for link in row.get("links") or []
                if (link.type, link.id) in known.records
            ],
        }
    elif record_type == "note":
        data |= {"written_at": _date(row.get("created_at")), "body": cut(row.get("body"))}
    elif record_type == "interaction":
        data |= {
            "kind": row["type"],
            "direction": row.get("direction"),
            "occurred_at": _date(row.get("occurred_at")),
            "subject": cut(row.get("subject"), 200),
            "summary": cut(row.get("summary")),
            "person": known.of("person", row.get("person_id")),
            "company": known.of("company", row.get("company_id")),
            "deal": known.of("deal", row.get("deal_id")),
        }
    else:
        data |= {"name": _name(record_type, row)}
    return _drop_empty(data)


def briefs(
    conn: Connection,
    reader: Reader,
    record_type: str,
    rows: Sequence[dict[str, Any]],
    *,
    with_id: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """:func:`brief` of each row, and every record they show (the rows and the related records
    named)."""
    rows = list(rows)
    if record_type in ("task", "note") and rows:
        _links(conn, record_type, rows)
    known = names(conn, reader, record_type, rows)
    shown: list[dict[str, str]] = []
    out = []
    for row in rows:
        out.append(brief(record_type, row, known, with_id=with_id))
        shown.append({"type": record_type, "id": str(row["id"])})
        shown.extend(related(record_type, row, known))
    return out, shown


def _links(conn: Connection, record_type: str, rows: list[dict[str, Any]]) -> None:
    from hearth.crm.notes.store import LINKS as NOTE_LINKS
    from hearth.crm.tasks.store import LINKS as TASK_LINKS

    table = TASK_LINKS if record_type == "task" else NOTE_LINKS
    table.load(_Db(conn), rows)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _Db:
    """What the link loader reads through (its ``db``): the reader's tenant transaction."""

    db: Connection


def unique(shown: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """``shown`` without repeats, in first-seen order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for item in shown:
        key = (item["type"], item["id"])
        if key not in seen:
            seen.add(key)
            out.append({"type": item["type"], "id": item["id"]})
    return out
