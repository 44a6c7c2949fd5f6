"""The timeline query: one branch per source, each already ordered and cut to the page size (so
each uses its own index), merged by (occurred_at, type, id) descending. The cursor is that key
of the last item."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from hearth.db import Connection

#: type -> the branch's SELECT (``{col}`` the record column: company_id, person_id or deal_id).
_BRANCHES: dict[str, str] = {
    "interaction": """
        SELECT 'interaction'::text AS type, i.id, i.occurred_at,
               coalesce(i.subject, left(i.summary, 200), initcap(i.type)) AS summary,
               CASE WHEN i.created_by IS NULL THEN NULL ELSE 'user' END AS actor_type,
               i.created_by::text AS actor_id,
               jsonb_build_object('type', i.type, 'direction', i.direction, 'subject', i.subject,
                                  'summary', i.summary, 'external_ref', i.external_ref) AS data
        FROM interactions i
        WHERE i.{col} = %(id)s AND i.deleted_at IS NULL AND {after}
        ORDER BY i.occurred_at DESC, i.id DESC LIMIT %(n)s""",
    "note": """
        SELECT 'note'::text AS type, n.id, n.created_at AS occurred_at, left(n.body, 200) AS summary,
               CASE WHEN n.created_by IS NULL THEN NULL ELSE 'user' END AS actor_type,
               n.created_by::text AS actor_id, jsonb_build_object('body', n.body) AS data
        FROM notes n JOIN note_links l ON l.note_id = n.id
        WHERE l.{col} = %(id)s AND n.deleted_at IS NULL AND {after}
        ORDER BY n.created_at DESC, n.id DESC LIMIT %(n)s""",
    "task": """
        SELECT 'task'::text AS type, t.id, t.created_at AS occurred_at, t.title AS summary,
               CASE WHEN t.created_by IS NULL THEN NULL ELSE 'user' END AS actor_type,
               t.created_by::text AS actor_id,
               jsonb_build_object('title', t.title, 'status', t.status, 'priority', t.priority,
                                  'due_date', t.due_date, 'completed_at', t.completed_at,
                                  'assignee_id', t.assignee_id) AS data
        FROM tasks t JOIN task_links l ON l.task_id = t.id
        WHERE l.{col} = %(id)s AND t.deleted_at IS NULL AND {after}
        ORDER BY t.created_at DESC, t.id DESC LIMIT %(n)s""",
    "field_change": """
        SELECT 'field_change'::text AS type, c.id, c.changed_at AS occurred_at,
               'Changed ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(c.changes) k)
                 AS summary,
               c.actor_type, c.actor_id, c.changes AS data
        FROM record_changes c
        WHERE c.{col} = %(id)s AND {after}
        ORDER BY c.changed_at DESC, c.id DESC LIMIT %(n)s""",
}
_KEYS = {
    "interaction": ("i.occurred_at", "i.id"),
    "note": ("n.created_at", "n.id"),
    "task": ("t.created_at", "t.id"),
    "field_change": ("c.changed_at", "c.id"),
}


def page(
    conn: Connection, column: str, record_id: UUID, types: list[str], limit: int, after: list[Any] | None
) -> list[dict[str, Any]]:
    """``limit + 1`` items of the record's timeline after the cursor key ``after`` (at, type, id)."""
    branches = []
    for kind in types:
        at, ident = _KEYS[kind]
        condition = (
            sql.SQL("({}, {}, {}) < (%(at)s, %(type)s, %(after_id)s)").format(
                sql.SQL(at), sql.Literal(kind), sql.SQL(ident)
            )
            if after is not None
            else sql.SQL("true")
        )
        branches.append(
            sql.SQL("({})").format(
                sql.SQL(_BRANCHES[kind]).format(col=sql.Identifier(column), after=condition)
            )
        )
    query = sql.SQL("SELECT * FROM ({}) t ORDER BY occurred_at DESC, type DESC, id DESC LIMIT %(n)s").format(
        sql.SQL(" UNION ALL ").join(branches)
    )
    params: dict[str, Any] = {"id": record_id, "n": limit + 1}
    if after is not None:
        params.update(at=after[0], type=after[1], after_id=after[2])
    return conn.execute(query, params).fetchall()
