"""What an export holds, derived from the database catalog so that a new table cannot be left out
by forgetting it: every table with an ``org_id`` is in an org export unless :data:`EXCLUDED` says
why not (a test holds the two together)::

    plan = export_plan.build(conn, "project")   # [TablePlan("projects", columns, <t.id = %(project)s>), ...]
    for table in plan:
        cursor.execute(table.query(), {"project": project_id, "user": user_id})

- ``org``: every tenant table (the org's rows: row-level security keeps the query to the org),
  and the org's members' user profiles.
- ``user``: the rows of every tenant table that name the user through a foreign key to
  ``users`` (created_by, owner_id, user_id, assignee_id, …), the audit rows they acted in, and
  their own profile, sessions and security events.
- ``project``: the project; the rows that reference it (members, links, time entries); the
  records those rows link it to (tasks, notes); and the rows that reference those records
  (their links, dependencies, time entries).

Columns are the ones the app role may read, less every ``bytea`` column: key and token hashes and
sealed secrets never leave the database (the audit chain's hashes excepted, so an exported chain
can be checked).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from hearth.db import Connection

#: Tenant tables an org export leaves out, and why.
EXCLUDED: dict[str, str] = {
    "audit_anchors": "the audit chain's anchors (out of the org's reach): audit rows carry the hashes",
    "audit_chain_heads": "the head of the audit chain: the exported audit rows carry every seq and hash",
    "idempotency_keys": "stored replies of retried requests (kept a day, some sealed): bookkeeping",
    "inbound_webhook_receipts": "provider delivery ids kept to drop duplicates: bookkeeping",
    "integration_secrets": "sealed provider credentials never leave the database",
    "rate_limit_counters": "per-minute request counters: bookkeeping, not the org's data",
    "task_key_counters": "the next task number: the exported tasks carry their numbers",
}

#: ``bytea`` columns that are exported anyway (hex): the audit chain, so it can be verified.
KEPT_BINARY: dict[str, frozenset[str]] = {"audit_logs": frozenset({"prev_hash", "hash"})}

#: A user's own data outside the tenant tables (no ``org_id``), and the column naming the user.
PERSONAL: dict[str, str] = {"users": "id", "user_sessions": "user_id", "security_events": "user_id"}

#: Columns that name an object in a bucket, and the bucket's name in the manifest.
FILE_COLUMNS: dict[tuple[str, str], str] = {("calls", "recording_key"): "recordings"}

#: Tables a project export never follows references into (the tenant, its people and members:
#: a member's other projects are not this project's).
_NOT_FOLLOWED = frozenset({"orgs", "users", "org_members", "projects"})


@dataclass(frozen=True, slots=True)
class TablePlan:
    """One table of an export: the columns written and the condition on its rows (``t``)."""

    name: str
    columns: tuple[str, ...]
    condition: sql.Composable = field(default_factory=lambda: sql.SQL("true"))

    def query(self) -> sql.Composed:
        cols = sql.SQL(", ").join(sql.Identifier("t", c) for c in self.columns)
        return sql.SQL("SELECT {} FROM {} t WHERE {}").format(cols, sql.Identifier(self.name), self.condition)


@dataclass(frozen=True, slots=True)
class _Catalog:
    columns: dict[str, list[tuple[str, str, bool]]]  # table -> [(column, type, readable)]
    readable: dict[str, bool]
    #: (table, columns, referenced table, referenced columns) of every foreign key
    foreign_keys: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]

    def tenant_tables(self) -> list[str]:
        return sorted(t for t, cols in self.columns.items() if any(c == "org_id" for c, _, _ in cols))


def _catalog(conn: Connection) -> _Catalog:
    columns: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    readable: dict[str, bool] = {}
    for row in conn.execute(
        """
        SELECT c.relname AS table_name, a.attname AS column_name,
               format_type(a.atttypid, NULL) AS type,
               has_table_privilege(c.oid, 'SELECT') AS table_readable,
               has_column_privilege(c.oid, a.attnum, 'SELECT') AS readable
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p')
        ORDER BY c.relname, a.attnum
        """
    ).fetchall():
        columns[row["table_name"]].append((row["column_name"], row["type"], row["readable"]))
        readable[row["table_name"]] = readable.get(row["table_name"], False) or row["readable"]
    keys = []
    for row in conn.execute(
        """
        SELECT cl.relname AS table_name, rf.relname AS ref_name,
               ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n
                     ORDER BY u.i)::text[] AS cols,
               ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n
                     ORDER BY u.i)::text[] AS ref_cols
        FROM pg_constraint k
        JOIN pg_class cl ON cl.oid = k.conrelid
        JOIN pg_class rf ON rf.oid = k.confrelid
        JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
        WHERE k.contype = 'f'
        ORDER BY cl.relname, k.conname
        """
    ).fetchall():
        keys.append((row["table_name"], tuple(row["cols"]), row["ref_name"], tuple(row["ref_cols"])))
    return _Catalog(dict(columns), readable, keys)


def _columns(catalog: _Catalog, table: str) -> tuple[str, ...]:
    kept = KEPT_BINARY.get(table, frozenset())
    return tuple(
        name
        for name, type_, readable in catalog.columns[table]
        if readable and (type_ != "bytea" or name in kept)
    )


def org_tables(catalog: _Catalog) -> list[str]:
    """Every tenant table an org export holds (the catalog's, less :data:`EXCLUDED`)."""
    return [t for t in catalog.tenant_tables() if t not in EXCLUDED]


def tenant_tables(conn: Connection) -> list[str]:
    """Every table with an ``org_id`` (and ``orgs``), for the test that none is forgotten."""
    catalog = _catalog(conn)
    return sorted({*catalog.tenant_tables(), "orgs"})


def build(conn: Connection, scope: str) -> list[TablePlan]:
    """The tables of an export of ``scope``, in a stable order. Raises when a tenant table the
    export should hold cannot be read by the app role (a table added without thinking of exports)."""
    catalog = _catalog(conn)
    tables = ["orgs", *org_tables(catalog)]
    unreadable = [t for t in tables if not catalog.readable.get(t)]
    if unreadable:
        raise RuntimeError(f"exports cannot read {unreadable}: grant SELECT or list them in EXCLUDED")
    conditions: dict[str, list[sql.Composable]]
    if scope == "org":
        conditions = {t: [sql.SQL("true")] for t in tables}
        conditions["users"] = [sql.SQL("t.id IN (SELECT m.user_id FROM org_members m)")]
    elif scope == "user":
        conditions = _user_conditions(catalog, tables)
    elif scope == "project":
        conditions = _project_conditions(catalog, tables)
    else:
        raise ValueError(f"no export scope {scope}")
    order = [*tables, *(t for t in PERSONAL if t not in tables)]
    return [
        TablePlan(
            t, _columns(catalog, t), sql.SQL(" OR ").join(sql.SQL("({})").format(c) for c in conditions[t])
        )
        for t in order
        if conditions.get(t)
    ]


def _equals(column: str, param: str) -> sql.Composed:
    return sql.SQL("{} = {}").format(sql.Identifier("t", column), sql.Placeholder(param))


def _user_conditions(catalog: _Catalog, tables: list[str]) -> dict[str, list[sql.Composable]]:
    conditions: dict[str, list[sql.Composable]] = defaultdict(list)
    for table, cols, ref, _ in catalog.foreign_keys:
        if ref == "users" and table in tables:
            conditions[table].append(_equals(cols[0], "user"))
    conditions["audit_logs"].append(sql.SQL("t.actor_type = 'user' AND t.actor_id = %(user)s::text"))
    for table, column in PERSONAL.items():
        conditions[table].append(_equals(column, "user"))
    return conditions


def _project_conditions(catalog: _Catalog, tables: list[str]) -> dict[str, list[sql.Composable]]:
    """The project, what references it, what those rows link it to, and what references those."""
    in_scope = set(tables)
    conditions: dict[str, list[sql.Composable]] = defaultdict(list)
    conditions["projects"].append(_equals("id", "project"))

    def key_column(cols: tuple[str, ...]) -> str | None:
        rest = [c for c in cols if c != "org_id"]
        return rest[0] if len(rest) == 1 else None

    referencing: list[tuple[str, str]] = []  # (table, its column naming the project)
    for table, cols, ref, _ in catalog.foreign_keys:
        column = key_column(cols)
        if ref == "projects" and table in in_scope and column:
            referencing.append((table, column))
            conditions[table].append(_equals(column, "project"))
    # records those rows link the project to: (table, subqueries of their ids)
    linked: dict[str, list[sql.Composable]] = defaultdict(list)
    for table, project_column in referencing:
        for src, cols, ref, ref_cols in catalog.foreign_keys:
            column = key_column(cols)
            followed = ref in in_scope and ref not in _NOT_FOLLOWED and ref_cols == ("org_id", "id")
            if src == table and column and followed and ref != table:
                linked[ref].append(
                    sql.SQL("SELECT {} FROM {} l WHERE {} = %(project)s").format(
                        sql.Identifier("l", column),
                        sql.Identifier(table),
                        sql.Identifier("l", project_column),
                    )
                )
    for ref, subqueries in linked.items():
        ids = sql.SQL(" UNION ").join(subqueries)
        conditions[ref].append(sql.SQL("t.id IN ({})").format(ids))
        for src, cols, target, _ in catalog.foreign_keys:
            column = key_column(cols)
            if target == ref and src in in_scope and column and src != ref:
                conditions[src].append(sql.SQL("{} IN ({})").format(sql.Identifier("t", column), ids))
    return conditions


def file_references(plan: list[TablePlan]) -> list[tuple[TablePlan, str, str]]:
    """``(table, column, bucket)`` of the file columns the plan exports."""
    return [
        (table, column, bucket)
        for table in plan
        for (name, column), bucket in FILE_COLUMNS.items()
        if name == table.name and column in table.columns
    ]


def describe(plan: list[TablePlan]) -> dict[str, Any]:
    """The plan as the manifest names it (table -> its file)."""
    return {t.name: f"tables/{t.name}.json" for t in plan}
