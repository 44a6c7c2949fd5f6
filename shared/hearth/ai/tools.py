"""The read-only tools the model may call to answer ``ask``, executed as the user who asked.

:data:`DEFINITIONS` are the tools in the Messages API's shape (name, description, JSON schema of
the input); :func:`run` carries out one call inside the run's tenant transaction (row-level
security) with the requester's current role (``hearth.rbac``), so the model sees only what that
user could see through the API::

    result = run(conn, reader, "search_deals", {"query": "renewal", "status": "open"})
    result.content    # compact JSON: {"results": [...], "more": false}
    result.shown      # [{"type": "deal", "id": "…"}, …]
    result.is_error   # True for an unknown tool, bad input, or a record type the role cannot read

Nothing here writes. A call returns at most :data:`MAX_ROWS` records, each as
:func:`hearth.ai.reading.brief` shows it (with its id, so the model can look further). An
unknown tool, input that does not match the schema and a refusal are error results the model
reads (``is_error``), never exceptions; only a database failure raises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hearth.ai.reading import OPEN_TASK_STATUSES, Reader, Unreadable, brief, briefs, names, one, read, related
from hearth.db import Connection
from hearth.problems import Problem

#: The most records one call returns.
MAX_ROWS = 20
_DEFAULT_ROWS = 10

_Query = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_Limit = Annotated[
    int, Field(ge=1, le=MAX_ROWS, description=f"At most this many records (default {_DEFAULT_ROWS}).")
]
_Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
RecordType = Literal["company", "person", "deal", "project", "task", "note", "interaction"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchCompanies(_Input):
    query: _Query | None = Field(default=None, description="Words of the company's name or domain.")
    industry: _Short | None = Field(default=None, description="Part of the industry, e.g. Retail.")
    tag: _Short | None = Field(default=None, description="Companies with this tag.")
    limit: _Limit = _DEFAULT_ROWS


class SearchPeople(_Input):
    query: _Query | None = Field(default=None, description="Words of the person's name, or an email address.")
    company_id: UUID | None = Field(default=None, description="People of this company.")
    tag: _Short | None = Field(default=None, description="People with this tag.")
    limit: _Limit = _DEFAULT_ROWS


class SearchDeals(_Input):
    query: _Query | None = Field(default=None, description="Words of the deal's name.")
    status: Literal["open", "won", "lost"] | None = None
    company_id: UUID | None = Field(default=None, description="Deals with this company.")
    limit: _Limit = _DEFAULT_ROWS


class GetRecord(_Input):
    type: RecordType
    id: UUID


class ListInteractions(_Input):
    person_id: UUID | None = None
    company_id: UUID | None = None
    deal_id: UUID | None = None
    kind: Literal["email", "sms", "call", "meeting", "note", "system"] | None = None
    limit: _Limit = _DEFAULT_ROWS


class ListTasks(_Input):
    status: Literal["open", "in_progress", "done", "cancelled", "not_done"] | None = Field(
        default="not_done", description="not_done (the default): open or in progress."
    )
    company_id: UUID | None = None
    person_id: UUID | None = None
    deal_id: UUID | None = None
    project_id: UUID | None = None
    assigned_to_me: bool = Field(default=False, description="Only the tasks assigned to the user who asked.")
    limit: _Limit = _DEFAULT_ROWS


@dataclass(frozen=True)
class _Tool:
    name: str
    description: str
    input: type[_Input]


_TOOLS = (
    _Tool(
        "search_companies",
        "Search the organisation's companies by name or domain, industry or tag; newest first.",
        SearchCompanies,
    ),
    _Tool(
        "search_people",
        "Search the organisation's people (contacts) by name or email, company or tag; newest first.",
        SearchPeople,
    ),
    _Tool(
        "search_deals",
        "Search the organisation's deals by name, status or company; newest first. Amounts are in minor"
        " units of their currency.",
        SearchDeals,
    ),
    _Tool(
        "get_record",
        "One record by type and id (from another tool's results): its fields and the ids of the records"
        " it relates to.",
        GetRecord,
    ),
    _Tool(
        "list_interactions",
        "Emails, SMS, calls and meetings with a person, company or deal (give at least one), newest first.",
        ListInteractions,
    ),
    _Tool(
        "list_tasks",
        "Tasks, by default those not done yet, optionally about a company, person, deal or project, or"
        " assigned to the user who asked; soonest due first.",
        ListTasks,
    ),
)
_BY_NAME = {t.name: t for t in _TOOLS}


def _schema(model: type[_Input]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return schema


#: The tools, as the Messages API takes them (``tools=DEFINITIONS``).
DEFINITIONS: list[dict[str, Any]] = [
    {"name": t.name, "description": t.description, "input_schema": _schema(t.input)} for t in _TOOLS
]


@dataclass(frozen=True)
class ToolResult:
    """What a call gives the model: ``content`` (JSON text), the records it shows, and whether
    it is an error the model should read as such."""

    content: str
    shown: list[dict[str, str]] = field(default_factory=list)
    is_error: bool = False


def _error(message: str) -> ToolResult:
    return ToolResult(json.dumps({"error": message}), [], is_error=True)


def _listed(conn: Connection, reader: Reader, record_type: str, limit: int, **kw: Any) -> ToolResult:
    rows = read(conn, reader, record_type, limit=limit + 1, **kw)
    more = len(rows) > limit
    results, shown = briefs(conn, reader, record_type, rows[:limit])
    return ToolResult(json.dumps({"results": results, "more": more}, ensure_ascii=False, default=str), shown)


def _search_companies(conn: Connection, reader: Reader, args: SearchCompanies) -> ToolResult:
    filters = []
    if args.industry:
        filters.append(("filter[industry][contains]", args.industry))
    if args.tag:
        filters.append(("filter[tags][contains]", args.tag))
    return _listed(conn, reader, "company", args.limit, filters=filters, q=args.query)


def _search_people(conn: Connection, reader: Reader, args: SearchPeople) -> ToolResult:
    filters = []
    if args.company_id:
        filters.append(("filter[company_id]", str(args.company_id)))
    if args.tag:
        filters.append(("filter[tags][contains]", args.tag))
    return _listed(conn, reader, "person", args.limit, filters=filters, q=args.query)


def _search_deals(conn: Connection, reader: Reader, args: SearchDeals) -> ToolResult:
    filters: list[tuple[str, str]] = []
    if args.status:
        filters.append(("filter[status]", args.status))
    if args.company_id:
        filters.append(("filter[company_id]", str(args.company_id)))
    return _listed(conn, reader, "deal", args.limit, filters=filters, q=args.query)


def _get_record(conn: Connection, reader: Reader, args: GetRecord) -> ToolResult:
    row = one(conn, reader, args.type, args.id)
    if row is None:
        return _error(f"No {args.type} with this id (or it was deleted).")
    if args.type in ("task", "note"):
        results, shown = briefs(conn, reader, args.type, [row])
        data = results[0]
    else:
        known = names(conn, reader, args.type, [row])
        data = brief(args.type, row, known)
        shown = [{"type": args.type, "id": str(row["id"])}, *related(args.type, row, known)]
    data["related"] = [s for s in shown if s["id"] != str(row["id"])]
    if not data["related"]:
        del data["related"]
    return ToolResult(json.dumps(data, ensure_ascii=False, default=str), shown)


def _list_interactions(conn: Connection, reader: Reader, args: ListInteractions) -> ToolResult:
    linked = [
        (c, v)
        for c, v in (
            ("person_id", args.person_id),
            ("company_id", args.company_id),
            ("deal_id", args.deal_id),
        )
        if v
    ]
    if not linked:
        return _error("Give a person_id, company_id or deal_id.")
    filters = [(f"filter[{column}]", str(value)) for column, value in linked]
    if args.kind:
        filters.append(("filter[type]", args.kind))
    return _listed(conn, reader, "interaction", args.limit, filters=filters, sort="-occurred_at")


def _list_tasks(conn: Connection, reader: Reader, args: ListTasks) -> ToolResult:
    filters = []
    if args.status:
        filters.append(
            ("filter[status][in]", OPEN_TASK_STATUSES)
            if args.status == "not_done"
            else ("filter[status]", args.status)
        )
    for column in ("company_id", "person_id", "deal_id", "project_id"):
        value = getattr(args, column)
        if value is not None:
            filters.append((f"filter[{column}]", str(value)))
    if args.assigned_to_me:
        if reader.user_id is None:
            return _error("There is no user to whom tasks are assigned.")
        filters.append(("filter[assignee_id]", str(reader.user_id)))
    return _listed(conn, reader, "task", args.limit, filters=filters, sort="due_date")


_RUN = {
    "search_companies": _search_companies,
    "search_people": _search_people,
    "search_deals": _search_deals,
    "get_record": _get_record,
    "list_interactions": _list_interactions,
    "list_tasks": _list_tasks,
}


def run(conn: Connection, reader: Reader, name: str, input: dict[str, Any]) -> ToolResult:
    """Carry out one tool call as ``reader`` (see the module docstring)."""
    tool = _BY_NAME.get(name)
    if tool is None:
        return _error(f"There is no tool called {name[:60]!r}. Tools: {', '.join(_BY_NAME)}.")
    if not isinstance(input, dict):  # the model's JSON, whatever the annotation says
        return _error("The input must be a JSON object.")  # type: ignore[unreachable]
    try:
        args = tool.input.model_validate(input)
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in err["loc"]) or "(input)" for err in exc.errors()})
        return _error(f"Invalid input at: {', '.join(where[:10])}. See the tool's input schema.")
    try:
        result: ToolResult = _RUN[name](conn, reader, args)  # type: ignore[operator]
    except Unreadable as exc:
        return _error(f"The user's role may not read {exc.record_type} records.")
    except Problem as exc:  # the list engine refusing a filter: the model's input, not a failure
        if exc.status >= 500:
            raise
        return _error(f"Invalid input ({exc.code}).")
    return result
