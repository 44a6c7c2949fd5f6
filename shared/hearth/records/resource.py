"""Records: soft-deletable tenant rows behind CRUD routes, declared once per resource.

A resource declares its table, output model, list, references and unique fields; the operations
behave the same for every resource: another tenant's id or a deleted row is a 404 (row-level
security hides the one, ``deleted_at`` the other), reads set ``ETag`` and writes honour
``If-Match``, references are checked with an error per field, and every write appends an audit
row and a domain event in the route's transaction::

    COMPANIES = Resource(name="company", table="companies", path="/v1/companies", model=Company,
                         listing=LISTING, references={"owner_id": MEMBER}, unique=("domain",))
    COMPANIES.create(ctx, values)            # audit company.create, event company.created
    COMPANIES.update(ctx, company_id, patch) # If-Match; audit company.update with the diff;
                                             # event company.updated with changed_fields
    COMPANIES.delete(ctx, company_id)        # soft: deleted_at; company.deleted ("own" scope: owners)
    COMPANIES.restore(ctx, company_id)       # company.restored; 409 if a live row took its domain

Ownership is what an "own" scope (members deleting and restoring) is checked against, so it
cannot be taken by an edit: a caller whose ``<records>:delete`` scope is "own" may change the
owner columns (``owner_id``, ``assignee_id``, ``member_id``) only of a record they already own —
hand it on, yes; claim someone else's, or hand it from one colleague to another, no (403
``not_owner``).

Resources with more to do (links, stage history) use the two halves of a write —
``insert`` + ``created``, ``begin_update`` + ``finish_update`` — and do their part in between.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import BaseModel
from pydantic import Field as ModelField
from pydantic_core import to_jsonable_python

from hearth import outbox
from hearth.http.context import RequestContext, stale
from hearth.http.pagination import Page
from hearth.http.spec import Reply
from hearth.listing import Field, Listing
from hearth.problems import Conflict, Forbidden, NotFound, Unprocessable, field_error, invalid

#: Reading soft-deleted records (``include_deleted=true``) needs this permission.
READ_DELETED = "deleted_records:read"


class Record(BaseModel):
    """What every record answers with, besides its own fields."""

    id: UUID
    created_at: datetime
    updated_at: datetime
    version: int = ModelField(description="Increments on every change; sent as the ETag.")
    deleted_at: datetime | None = ModelField(
        default=None, description="When the record was soft-deleted (only admins list deleted records)."
    )


M = TypeVar("M", bound=Record)

#: The list fields every record has (put them in each resource's ``Listing``).
RECORD_FIELDS = (
    Field("id", "uuid", nullable=False),
    Field("created_at", "datetime", sortable=True, nullable=False),
    Field("updated_at", "datetime", sortable=True, nullable=False),
    Field("deleted_at", "datetime", sortable=True),
)


@dataclass(frozen=True, slots=True)
class ListParams:
    """The common query parameters of a list route."""

    limit: int
    cursor: str | None = None
    sort: str | None = None
    q: str | None = None
    include_deleted: bool = False


@dataclass(frozen=True, slots=True)
class Reference:
    """A link to another record of the same org: ``table.key`` must hold the id (a live row,
    unless ``live`` is false)."""

    table: str
    label: str
    key: str = "id"
    live: bool = True


#: A member of the org (``org_members.user_id``).
MEMBER = Reference("org_members", "member", key="user_id", live=False)


def jsonable(value: Any) -> Any:
    return to_jsonable_python(value)


def check_references(ctx: RequestContext, links: Iterable[tuple[str, Reference, Collection[Any]]]) -> None:
    """422 naming every field whose ids are not (live) records of this org. Another tenant's id
    is simply not found: row-level security hides it. Ids are not echoed back."""
    errors = []
    for name, ref, ids in links:
        wanted = {UUID(str(i)) for i in ids if i is not None}
        if not wanted:
            continue
        query = sql.SQL("SELECT {key} AS id FROM {table} WHERE {key} = ANY(%s){live}").format(
            key=sql.Identifier(ref.key),
            table=sql.Identifier(ref.table),
            live=sql.SQL(" AND deleted_at IS NULL" if ref.live else ""),
        )
        found = {row["id"] for row in ctx.db.execute(query, (list(wanted),))}
        if wanted - found:
            errors.append(
                field_error(name, f"No {ref.label} with this id in this org.", "reference_not_found")
            )
    if errors:
        raise Unprocessable(
            "reference_not_found", "A referenced record does not exist in this org.", errors=errors
        )


@dataclass
class Change:
    """An update in progress: the row before, and ``field -> (old, new)`` of what changed."""

    id: UUID
    before: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    written: bool = False  # whether the row itself was updated (else only related rows changed)


@dataclass(frozen=True)
class Resource(Generic[M]):
    """The declaration of one record type (see the module docstring).

    ``name`` is the singular product word (``company``): audit actions and event types start
    with it. ``owners`` are the columns that make a caller the owner for "own" scopes.
    ``history`` is the ``record_changes`` column of resources that keep a field-change history
    (shown in their timeline). ``unique`` columns are unique, case-insensitively, among live rows
    (``unique_exact``: case-sensitively); they are checked before writing, so the answer names the
    field (the database's partial unique indexes stay the guarantee).
    ``decorate`` adds computed fields (links, dependencies) to rows before they become models.
    ``ref_type`` and ``resolve``: see :meth:`record_id`.
    """

    name: str
    table: str
    path: str
    model: type[M]
    listing: Listing
    references: Mapping[str, Reference] = field(default_factory=dict)
    owners: tuple[str, ...] = ("created_by",)
    history: str | None = None
    unique: tuple[str, ...] = ()
    unique_exact: tuple[str, ...] = ()
    json_columns: frozenset[str] = frozenset()
    decorate: Callable[[RequestContext, list[dict[str, Any]]], None] | None = None
    #: Records also named otherwise than by id in their routes' paths (a task's key ``HRT-42``):
    #: the path parameter's type, and what turns its value into the id.
    ref_type: Any = UUID
    resolve: Callable[[RequestContext, Any], UUID] | None = None

    def record_id(self, ctx: RequestContext, ref: Any) -> UUID:
        """The id a route's path parameter names."""
        return self.resolve(ctx, ref) if self.resolve is not None else ref

    # -- reading -----------------------------------------------------------------------------

    def row(
        self, ctx: RequestContext, record_id: UUID, *, lock: bool = False, deleted: bool | None = False
    ) -> dict[str, Any] | None:
        """The raw row: live only (``deleted=False``), deleted only (``True``) or either (``None``)."""
        query = sql.SQL("SELECT * FROM {table} WHERE id = %s{deleted}{lock}").format(
            table=sql.Identifier(self.table),
            deleted=sql.SQL(
                {False: " AND deleted_at IS NULL", True: " AND deleted_at IS NOT NULL", None: ""}[deleted]
            ),
            # NO KEY UPDATE: other rows may still reference this one (their foreign-key checks
            # take KEY SHARE) while it is being changed.
            lock=sql.SQL(" FOR NO KEY UPDATE" if lock else ""),
        )
        return ctx.db.execute(query, (record_id,)).fetchone()

    def models(self, ctx: RequestContext, rows: list[dict[str, Any]]) -> list[M]:
        if self.decorate is not None and rows:
            self.decorate(ctx, rows)
        return [self.model.model_validate(r) for r in rows]

    def output(self, ctx: RequestContext, record_id: UUID, *, live_only: bool = False) -> M:
        """The record as the API shows it (404 when there is no such row, or no live one when
        ``live_only``)."""
        query = sql.SQL("{select} WHERE r.id = %s{live}").format(
            select=sql.SQL(self.listing.select),
            live=sql.SQL(" AND r.deleted_at IS NULL" if live_only else ""),
        )
        row = ctx.db.execute(query, (record_id,)).fetchone()
        if row is None:
            raise NotFound(self.name, record_id)
        return self.models(ctx, [row])[0]

    def get(self, ctx: RequestContext, record_id: UUID, *, include_deleted: bool = False) -> M:
        """GET by id: 404 unless live (or deleted and an admin asked for it); sets the ETag."""
        if include_deleted:
            ctx.require(READ_DELETED)
        out = self.output(ctx, record_id, live_only=not include_deleted)
        ctx.set_etag(out.version)
        return out

    def list(
        self, ctx: RequestContext, params: ListParams, *, where: Sequence[tuple[str, Sequence[Any]]] = ()
    ) -> Page[M]:
        if params.include_deleted:
            ctx.require(READ_DELETED)
        query = self.listing.parse(
            ctx.request.query, sort=params.sort, q=params.q, include_deleted=params.include_deleted
        )
        rows, next_cursor = self.listing.page(
            ctx.db, query, limit=params.limit, cursor=params.cursor, where=where
        )
        return Page[self.model](data=self.models(ctx, rows), next_cursor=next_cursor)  # type: ignore[name-defined]

    # -- checks ------------------------------------------------------------------------------

    def owned(self, ctx: RequestContext, row: Mapping[str, Any]) -> bool:
        """Whether the route's scope covers ``row`` ("all", or "own" and the caller owns it)."""
        return ctx.scope == "all" or any(row.get(c) is not None and ctx.owns(row[c]) for c in self.owners)

    def may_reassign(self, ctx: RequestContext, row: Mapping[str, Any]) -> bool:
        """Whether the caller may change the owner columns of ``row``: a caller who may delete
        any record ("all"), or one who owns this one now. Ownership is judged by the delete
        permission's scope, not the route's: members may edit every record, but an edit must not
        make them the owner the "own" delete scope asks for."""
        if ctx.can(f"{self.table}:delete") == "all":
            return True
        me = str(ctx.user_id) if ctx.user_id is not None else None
        return me is not None and any(row.get(c) is not None and str(row[c]) == me for c in self.owners)

    def check_references(self, ctx: RequestContext, values: Mapping[str, Any]) -> None:
        check_references(
            ctx, ((name, ref, [values[name]]) for name, ref in self.references.items() if values.get(name))
        )

    def check_unique(
        self, ctx: RequestContext, values: Mapping[str, Any], *, exclude: UUID | None = None
    ) -> None:
        columns = [(c, True) for c in self.unique] + [(c, False) for c in self.unique_exact]
        for column, fold in columns:
            value = values.get(column)
            if value is None:
                continue
            query = sql.SQL(
                "SELECT 1 FROM {table} WHERE {compare} AND deleted_at IS NULL AND id <> %s"
            ).format(
                table=sql.Identifier(self.table),
                compare=sql.SQL("lower({}) = lower(%s)" if fold else "{} = %s").format(
                    sql.Identifier(column)
                ),
            )
            nil = UUID(int=0)
            if ctx.db.execute(query, (value, exclude or nil)).fetchone() is not None:
                raise Conflict(
                    f"{column}_taken",
                    f"Another {self.name} already uses this {column}.",
                    errors=[field_error(column, f"Already used by another {self.name}.", "already_exists")],
                )

    def _param(self, column: str, value: Any) -> Any:
        return Jsonb(jsonable(value)) if column in self.json_columns and value is not None else value

    # -- events ------------------------------------------------------------------------------

    def emit(self, ctx: RequestContext, action: str, out: M, **extra: Any) -> None:
        """Emit ``<name>.<action>`` with ``{"object": …, **extra}`` (the object is cut to its id
        when the event would exceed the outbox's payload limit)."""
        data = {"object": out.model_dump(mode="json"), **jsonable(extra)}
        if len(json.dumps(data, default=str).encode()) > outbox.MAX_PAYLOAD_BYTES - 1024:
            data = {"object": {"id": str(out.id)}, "truncated": True}
            if "changed_fields" in extra:
                data["changed_fields"] = jsonable(extra["changed_fields"])
        ctx.emit(f"{self.name}.{action}", self.name, out.id, data)

    # -- writing -----------------------------------------------------------------------------

    def insert(self, ctx: RequestContext, values: Mapping[str, Any]) -> UUID:
        """Check uniqueness and references, insert the row; returns its id."""
        self.check_unique(ctx, values)
        self.check_references(ctx, values)
        columns = list(values)
        query = sql.SQL("INSERT INTO {table} (org_id, {columns}) VALUES (%s, {values}) RETURNING id").format(
            table=sql.Identifier(self.table),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            values=sql.SQL(", ").join(sql.SQL("%s") for _ in columns),
        )
        row = ctx.db.execute(query, [ctx.org_id, *(self._param(c, values[c]) for c in columns)]).fetchone()
        assert row is not None
        record_id: UUID = row["id"]
        return record_id

    def created(self, ctx: RequestContext, record_id: UUID, values: Mapping[str, Any]) -> M:
        """Audit and announce a new record; sets Location and ETag; returns it."""
        out = self.output(ctx, record_id)
        ctx.audit(f"{self.name}.create", self.name, record_id, changes=jsonable(dict(values)))
        self.emit(ctx, "created", out)
        ctx.response_headers["Location"] = f"{self.path}/{record_id}"
        ctx.set_etag(out.version)
        return out

    def create(self, ctx: RequestContext, values: Mapping[str, Any]) -> M:
        return self.created(ctx, self.insert(ctx, values), values)

    def begin_update(
        self,
        ctx: RequestContext,
        record_id: UUID,
        values: Mapping[str, Any],
        *,
        version: int | None = None,
        prepare: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
        if_match: bool = True,
    ) -> Change:
        """Lock the live row, check the expected version (``version``, else the request's
        ``If-Match`` unless ``if_match`` is false — for changes a route makes to other records),
        apply what differs. ``prepare(before, values)`` may validate and complete the values."""
        before = self.row(ctx, record_id, lock=True)
        if before is None:
            raise NotFound(self.name, record_id)
        if not self.owned(ctx, before):
            raise Forbidden("not_owner", f"You may change only the {self.table} you own.")
        expected = version if version is not None else (ctx.if_match() if if_match else None)
        if expected is not None and expected != before["version"]:
            raise stale(before["version"])
        wanted = prepare(before, dict(values)) if prepare is not None else dict(values)
        change = Change(record_id, before)
        change.changes = {k: (before[k], v) for k, v in wanted.items() if before[k] != v}
        if any(c in change.changes for c in self.owners) and not self.may_reassign(ctx, before):
            raise Forbidden(
                "not_owner",
                f"You may change who owns only the {self.table} you own"
                f" ({', '.join(c for c in self.owners if c in change.changes)}).",
            )
        if change.changes:
            new = {k: v for k, (_old, v) in change.changes.items()}
            self.check_unique(ctx, new, exclude=record_id)
            self.check_references(ctx, new)
            query = sql.SQL("UPDATE {table} SET {assignments} WHERE id = %s").format(
                table=sql.Identifier(self.table),
                assignments=sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in new),
            )
            ctx.db.execute(query, [*(self._param(c, v) for c, v in new.items()), record_id])
            change.written = True
        return change

    def finish_update(self, ctx: RequestContext, change: Change) -> M:
        """Audit, keep history and announce what ``change`` changed; sets the ETag; returns the record."""
        if change.changes and not change.written:
            # Only related rows changed (links, dependencies): the record still moves to a new
            # version, so ETags stay honest (the touch trigger bumps it on any update).
            ctx.db.execute(
                sql.SQL("UPDATE {table} SET deleted_at = deleted_at WHERE id = %s").format(
                    table=sql.Identifier(self.table)
                ),
                (change.id,),
            )
        out = self.output(ctx, change.id)
        if change.changes:
            diff = {
                k: {"from": jsonable(old), "to": jsonable(new)} for k, (old, new) in change.changes.items()
            }
            ctx.audit(f"{self.name}.update", self.name, change.id, changes=diff)
            if self.history is not None:
                actor_type, actor_id = ctx.actor
                ctx.db.execute(
                    sql.SQL(
                        "INSERT INTO record_changes (org_id, {column}, actor_type, actor_id, changes)"
                        " VALUES (%s, %s, %s, %s, %s)"
                    ).format(column=sql.Identifier(self.history)),
                    (ctx.org_id, change.id, actor_type, actor_id, Jsonb(diff)),
                )
            self.emit(
                ctx,
                "updated",
                out,
                changed_fields=sorted(change.changes),
                previous_attributes={k: old for k, (old, _new) in change.changes.items()},
            )
        ctx.set_etag(out.version)
        return out

    def update(
        self,
        ctx: RequestContext,
        record_id: UUID,
        values: Mapping[str, Any],
        *,
        version: int | None = None,
        prepare: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
        if_match: bool = True,
    ) -> M:
        change = self.begin_update(
            ctx, record_id, values, version=version, prepare=prepare, if_match=if_match
        )
        return self.finish_update(ctx, change)

    def delete(self, ctx: RequestContext, record_id: UUID) -> M:
        """Soft delete: the row stays (for restore and the data-lifecycle jobs), hidden from reads."""
        before = self.row(ctx, record_id, lock=True)
        if before is None:
            raise NotFound(self.name, record_id)
        if not self.owned(ctx, before):
            raise Forbidden("not_owner", f"You may delete only the {self.table} you own.")
        ctx.check_if_match(before["version"])
        ctx.db.execute(
            sql.SQL("UPDATE {table} SET deleted_at = now(), deleted_by = %s WHERE id = %s").format(
                table=sql.Identifier(self.table)
            ),
            (ctx.user_id, record_id),
        )
        out = self.output(ctx, record_id)
        ctx.audit(f"{self.name}.delete", self.name, record_id)
        self.emit(ctx, "deleted", out)
        return out

    def restore(self, ctx: RequestContext, record_id: UUID) -> M:
        """Undo a soft delete (409 when not deleted, or when a live record took a unique value)."""
        before = self.row(ctx, record_id, lock=True, deleted=None)
        if before is None:
            raise NotFound(self.name, record_id)
        if before["deleted_at"] is None:
            raise Conflict("not_deleted", f"This {self.name} is not deleted.")
        if not self.owned(ctx, before):
            raise Forbidden("not_owner", f"You may restore only the {self.table} you own.")
        ctx.check_if_match(before["version"])
        self.check_unique(ctx, before, exclude=record_id)
        ctx.db.execute(
            sql.SQL("UPDATE {table} SET deleted_at = NULL, deleted_by = NULL WHERE id = %s").format(
                table=sql.Identifier(self.table)
            ),
            (record_id,),
        )
        out = self.output(ctx, record_id)
        ctx.audit(f"{self.name}.restore", self.name, record_id)
        self.emit(ctx, "restored", out)
        ctx.set_etag(out.version)
        return out

    def upsert(
        self,
        ctx: RequestContext,
        column: str,
        value: str,
        *,
        create: Callable[[], M],
        update: Callable[[UUID], M],
    ) -> Reply:
        """Update the live record whose ``column`` equals ``value`` (case-insensitively), else
        create one: 200 or 201. Serialised per value, so two upserts of one value cannot both
        create."""
        ctx.db.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            (f"{ctx.org_id}:{self.table}:{column}:{value.lower()}",),
        )
        query = sql.SQL(
            "SELECT id FROM {table} WHERE lower({column}) = lower(%s) AND deleted_at IS NULL"
        ).format(table=sql.Identifier(self.table), column=sql.Identifier(column))
        found = ctx.db.execute(query, (value,)).fetchone()
        if found is not None:
            return Reply(update(found["id"]), 200)
        return Reply(create(), 201)

    def upsert_fields(
        self,
        ctx: RequestContext,
        column: str,
        body: BaseModel,
        *,
        create: Callable[[], M],
        update: Callable[[UUID, dict[str, Any]], M],
    ) -> Reply:
        """:meth:`upsert` on the body's ``column`` (required): an update writes the fields the
        body sent, ``update(id, fields)``; otherwise ``create()``."""
        value = getattr(body, column, None)
        if value is None:
            raise invalid(column, f"Required to match on {column}.", "required")
        sent = body.model_dump(exclude_unset=True)
        return self.upsert(ctx, column, str(value), create=create, update=lambda found: update(found, sent))
