"""Data access for AI runs: the API inserts and reads them, the AI worker claims and finishes
them, apply records what it applied. Every statement runs in the caller's tenant transaction
(row-level security keeps it to the org)::

    run = store.claim(conn, run_id)        # queued -> running (None when not queued: done already)
    store.finish(conn, run_id, status="completed", output=..., usage=..., stop_reason="end_turn",
                 shown=[{"type": "deal", "id": "…"}], error=None)
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.ai.models import REDACTION_KINDS
from hearth.db import Connection
from hearth.listing import Field, Listing

_SUBJECT = (
    "CASE WHEN r.subject_type IS NULL THEN NULL"
    " ELSE jsonb_build_object('type', r.subject_type, 'id', r.subject_id) END"
)
#: A run as the API shows it.
COLUMNS = (
    "r.id, r.user_id, r.task, r.subject_type, r.subject_id, r.instructions, r.status, r.output, r.usage,"
    f" r.stop_reason, r.shown, r.error, r.applied, r.created_at, r.started_at, r.finished_at, r.version,"
    " r.purged_at, r.role_cap,"
    f" {_SUBJECT} AS subject"
)

#: ``GET /v1/ai/runs``: newest first.
LISTING = Listing(
    select=f"SELECT {COLUMNS} FROM ai_runs r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("user_id", "uuid", nullable=False),
        Field("task", "choice", choices=("summarize", "draft_reply", "next_actions", "ask"), nullable=False),
        Field("status", "choice", choices=("queued", "running", "completed", "failed"), nullable=False),
        Field("subject_type", "choice", choices=("company", "person", "deal", "project")),
        Field("subject_id", "uuid"),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("finished_at", "datetime", sortable=True),
    ),
    search=("r.instructions",),
    default_sort="-created_at",
    soft_delete=False,
    search_label="instructions",
)


def insert(
    conn: Connection,
    *,
    user_id: UUID,
    task: str,
    subject_type: str | None,
    subject_id: UUID | None,
    instructions: str | None,
    role_cap: str | None = None,
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        WITH r AS (
          INSERT INTO ai_runs (org_id, user_id, task, subject_type, subject_id, instructions, role_cap)
          VALUES ((SELECT NULLIF(current_setting('app.org_id', true), '')::uuid), %s, %s, %s, %s, %s, %s)
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (user_id, task, subject_type, subject_id, instructions, role_cap),
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, run_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    """The run (``subject`` as ``{type, id}`` besides ``subject_type``/``subject_id``), or None."""
    return conn.execute(
        f"SELECT {COLUMNS} FROM ai_runs r WHERE r.id = %s" + (" FOR UPDATE" if lock else ""), (run_id,)
    ).fetchone()


def claim(conn: Connection, run_id: UUID) -> dict[str, Any] | None:
    """Move a queued run to ``running`` (started now) and return it; None when it is not queued
    (claimed already, finished, or not this org's): the worker then has nothing to do."""
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE ai_runs SET status = 'running', started_at = now()
          WHERE id = %s AND status = 'queued'
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        (run_id,),
    ).fetchone()


def finish(
    conn: Connection,
    run_id: UUID,
    *,
    status: str,
    output: dict[str, Any] | None = None,
    usage: dict[str, Any] | None = None,
    stop_reason: str | None = None,
    shown: list[dict[str, Any]] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """End a run ``completed`` or ``failed`` (a queued run may only fail); returns it, or None when
    it had ended already (nothing is changed then)."""
    if status not in ("completed", "failed"):
        raise ValueError(f"a run finishes completed or failed, not {status}")
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE ai_runs
          SET status = %(status)s, output = %(output)s, usage = %(usage)s, stop_reason = %(stop_reason)s,
              shown = %(shown)s, error = %(error)s, finished_at = now()
          WHERE id = %(id)s AND (status = 'running' OR (status = 'queued' AND %(status)s = 'failed'))
          RETURNING *
        )
        SELECT {COLUMNS} FROM r
        """,
        {
            "id": run_id,
            "status": status,
            "output": None if output is None else Jsonb(output),
            "usage": None if usage is None else Jsonb(usage),
            "stop_reason": stop_reason,
            "shown": Jsonb(shown or []),
            "error": None if error is None else Jsonb(error),
        },
    ).fetchone()


def set_applied(conn: Connection, run_id: UUID, applied: dict[str, str]) -> None:
    conn.execute("UPDATE ai_runs SET applied = %s WHERE id = %s", (Jsonb(applied), run_id))


def subject_exists(conn: Connection, table: str, subject_id: UUID) -> bool:
    """Whether a live record of ``table`` (one of hearth.ai.models.SUBJECT_TABLES) has this id."""
    if table not in ("companies", "people", "deals", "projects"):
        raise ValueError(f"not a subject table: {table}")
    row = conn.execute(
        f"SELECT 1 FROM {table} WHERE id = %s AND deleted_at IS NULL",
        (subject_id,),
    ).fetchone()
    return row is not None


# -- usage: the ledger and the monthly totals ---------------------------------------------------

_THIS_MONTH = "date_trunc('month', now() AT TIME ZONE 'UTC')::date"


def this_month(conn: Connection) -> date:
    row = conn.execute(f"SELECT {_THIS_MONTH} AS month").fetchone()
    assert row is not None
    month: date = row["month"]
    return month


def tokens_this_month(conn: Connection) -> int:
    row = conn.execute(f"SELECT tokens FROM ai_usage_months WHERE month = {_THIS_MONTH}").fetchone()
    return int(row["tokens"]) if row else 0


def record_usage(conn: Connection, org_id: UUID | str, run_id: UUID, tokens: int) -> bool:
    """A run's ledger row and this month's total, in one statement; ``False`` (nothing changed)
    when the run has a ledger row already."""
    row = conn.execute(
        f"""
        WITH l AS (
          INSERT INTO ai_usage (org_id, run_id, month, tokens)
          VALUES (%(org)s, %(run)s, {_THIS_MONTH}, %(tokens)s)
          ON CONFLICT (org_id, run_id) DO NOTHING
          RETURNING month, tokens
        ), m AS (
          INSERT INTO ai_usage_months AS m (org_id, month, tokens, runs)
          SELECT %(org)s, month, tokens, 1 FROM l
          ON CONFLICT (org_id, month) DO UPDATE SET tokens = m.tokens + EXCLUDED.tokens, runs = m.runs + 1
          RETURNING 1
        )
        SELECT count(*) AS n FROM m
        """,
        {"org": str(org_id), "run": run_id, "tokens": tokens},
    ).fetchone()
    return bool(row and row["n"])


def runs_this_month(conn: Connection, *, user_id: UUID | None, limit: int) -> list[dict[str, Any]]:
    """This month's ledger rows, newest first (one requester's only, when ``user_id`` is given)."""
    return conn.execute(
        f"""
        SELECT u.run_id, r.task, r.user_id, u.tokens, u.created_at AS recorded_at
        FROM ai_usage u JOIN ai_runs r ON r.org_id = u.org_id AND r.id = u.run_id
        WHERE u.month = {_THIS_MONTH} AND (%(user)s::uuid IS NULL OR r.user_id = %(user)s::uuid)
        ORDER BY u.created_at DESC, u.run_id DESC
        LIMIT %(limit)s
        """,
        {"user": user_id, "limit": limit},
    ).fetchall()


def earlier_months(conn: Connection, count: int = 12) -> list[dict[str, Any]]:
    """The totals of the months before this one, newest first."""
    return conn.execute(
        f"SELECT month, tokens, runs FROM ai_usage_months WHERE month < {_THIS_MONTH}"
        " ORDER BY month DESC LIMIT %s",
        (count,),
    ).fetchall()


# -- the org's AI settings ------------------------------------------------------------------------


def settings_row(conn: Connection, *, lock: bool = False) -> dict[str, Any] | None:
    """The org's settings row (None: the defaults). ``lock`` serialises changes on the org first
    (the row may not exist yet)."""
    if lock:
        conn.execute(
            "SELECT pg_advisory_xact_lock("
            "hashtextextended(current_setting('app.org_id') || ':ai_settings', 0))"
        )
    return conn.execute(
        "SELECT redact, updated_at, version FROM ai_settings" + (" FOR UPDATE" if lock else "")
    ).fetchone()


def redaction_kinds(conn: Connection) -> set[str]:
    """The kinds of personal data the org redacts (every kind while it has no settings row)."""
    row = settings_row(conn)
    return set(REDACTION_KINDS) if row is None else set(row["redact"])


def save_settings(conn: Connection, org_id: UUID, *, redact: list[str], updated_by: UUID | None) -> None:
    conn.execute(
        "INSERT INTO ai_settings (org_id, redact, updated_by) VALUES (%s, %s, %s)"
        " ON CONFLICT (org_id) DO UPDATE SET redact = EXCLUDED.redact, updated_by = EXCLUDED.updated_by",
        (org_id, redact, updated_by),
    )
