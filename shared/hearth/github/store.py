"""Data access of the GitHub integration (the org's transaction scopes every statement): the
installation, its repositories, the links of tasks to GitHub, and the task changes GitHub makes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg

from hearth.db import Connection

# -- the installation ----------------------------------------------------------------------------


def installation(conn: Connection) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM github_installations").fetchone()


def link_installation(conn: Connection, org_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
    """Link the installation to the org; ``None`` when another org holds it (one installation,
    one org). The org's previous installation, if any, is replaced."""
    conn.execute("DELETE FROM github_installations")
    try:
        with conn.transaction():
            return conn.execute(
                """
                INSERT INTO github_installations
                  (org_id, installation_id, account_login, account_type, repository_selection, linked_by)
                VALUES (%(org)s, %(installation_id)s, %(account_login)s, %(account_type)s,
                        %(repository_selection)s, %(linked_by)s)
                RETURNING *
                """,
                {"org": org_id, **values},
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        return None


def unlink_installation(conn: Connection) -> dict[str, Any] | None:
    """Remove the org's installation (its repositories go with it; links to tasks stay)."""
    return conn.execute("DELETE FROM github_installations RETURNING *").fetchone()


def set_suspended(conn: Connection, suspended: bool) -> None:
    conn.execute("UPDATE github_installations SET suspended_at = CASE WHEN %s THEN now() END", (suspended,))


def repositories(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM github_repositories ORDER BY full_name, repository_id").fetchall()


def repository_named(conn: Connection, full_name: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM github_repositories WHERE lower(full_name) = lower(%s)", (full_name,)
    ).fetchone()


def save_repositories(
    conn: Connection, org_id: UUID, repos: Iterable[dict[str, Any]], *, replace: bool
) -> None:
    """Add (or update) GitHub's repository objects; ``replace``: they are all there is."""
    kept = []
    for repo in repos:
        kept.append(int(repo["id"]))
        conn.execute(
            """
            INSERT INTO github_repositories
              (org_id, repository_id, full_name, private, default_branch, updated_at)
            VALUES (%s, %s, %s, %s, %s, now())
            ON CONFLICT (org_id, repository_id) DO UPDATE
            SET full_name = EXCLUDED.full_name, private = EXCLUDED.private,
                default_branch = coalesce(EXCLUDED.default_branch, github_repositories.default_branch),
                updated_at = clock_timestamp()
            """,
            (
                org_id,
                int(repo["id"]),
                str(repo["full_name"]),
                bool(repo.get("private")),
                repo.get("default_branch"),
            ),
        )
    if replace:
        conn.execute("DELETE FROM github_repositories WHERE NOT (repository_id = ANY(%s))", (kept,))


def remove_repositories(conn: Connection, repository_ids: list[int]) -> None:
    conn.execute("DELETE FROM github_repositories WHERE repository_id = ANY(%s)", (repository_ids,))


# -- tasks ---------------------------------------------------------------------------------------


def tasks_by_number(conn: Connection, prefix: str, numbers: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The org's live tasks with these numbers, if ``prefix`` is the org's task key prefix."""
    rows = conn.execute(
        """
        SELECT t.id, t.number, t.title, t.status FROM tasks t JOIN orgs o ON o.id = t.org_id
        WHERE o.task_key_prefix = %s AND t.number = ANY(%s) AND t.deleted_at IS NULL
        """,
        (prefix, list(numbers)),
    ).fetchall()
    return {int(r["number"]): r for r in rows}


def task(conn: Connection, task_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT r.*, o.task_key_prefix || '-' || r.number AS key FROM tasks r JOIN orgs o ON o.id = r.org_id"
        " WHERE r.id = %s AND r.deleted_at IS NULL" + (" FOR NO KEY UPDATE OF r" if lock else ""),
        (task_id,),
    ).fetchone()


def unfinished_dependencies(conn: Connection, task_id: UUID) -> int:
    row = conn.execute(
        """
        SELECT count(*) AS n FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
        WHERE d.task_id = %s AND t.deleted_at IS NULL AND t.status NOT IN ('done', 'cancelled')
        """,
        (task_id,),
    ).fetchone()
    return int(row["n"]) if row else 0


def change_task(conn: Connection, task_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Write ``title`` and/or ``status`` (``completed_at`` follows the status)."""
    sets, params = [], {"id": task_id}
    if "title" in changes:
        sets.append("title = %(title)s")
        params["title"] = changes["title"]
    if "status" in changes:
        sets.append("status = %(status)s")
        sets.append("completed_at = CASE WHEN %(status)s = 'done' THEN now() END")
        params["status"] = changes["status"]
    if not sets:
        return None
    return conn.execute(
        f"UPDATE tasks SET {', '.join(sets)} WHERE id = %(id)s AND deleted_at IS NULL RETURNING id",
        params,
    ).fetchone()


# -- links ---------------------------------------------------------------------------------------

_LINK_COLUMNS = (
    "task_id",
    "kind",
    "repository_id",
    "repository",
    "ref",
    "title",
    "url",
    "author",
    "branch",
    "state",
    "fixes",
    "synced_title",
    "synced_state",
)


def upsert_link(
    conn: Connection, org_id: UUID, link: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Insert the link or update it; returns ``(link, before)`` (``before`` ``None``: new). A
    pull request's state only moves forward (merged stays merged) and ``fixes`` stays once set."""
    before = conn.execute(
        "SELECT * FROM task_github_links WHERE task_id = %s AND kind = %s AND repository_id = %s AND ref = %s"
        " FOR UPDATE",
        (link["task_id"], link["kind"], link["repository_id"], link["ref"]),
    ).fetchone()
    values = {c: link.get(c) for c in _LINK_COLUMNS}
    values["fixes"] = bool(values["fixes"])
    if before is None:
        row = conn.execute(
            f"INSERT INTO task_github_links (org_id, {', '.join(_LINK_COLUMNS)})"
            f" VALUES (%(org)s, {', '.join(f'%({c})s' for c in _LINK_COLUMNS)}) RETURNING *",
            {"org": org_id, **values},
        ).fetchone()
        assert row is not None
        return row, None
    if before["state"] == "merged":
        values["state"] = "merged"
    values["fixes"] = values["fixes"] or before["fixes"]
    row = conn.execute(
        """
        UPDATE task_github_links SET title = %(title)s, url = coalesce(%(url)s, url),
          author = coalesce(%(author)s, author), branch = coalesce(%(branch)s, branch),
          state = %(state)s, fixes = %(fixes)s, updated_at = clock_timestamp()
        WHERE id = %(id)s RETURNING *
        """,
        {**values, "id": before["id"]},
    ).fetchone()
    assert row is not None
    return row, before


def links_of(conn: Connection, task_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM task_github_links WHERE task_id = %s ORDER BY created_at, id", (task_id,)
    ).fetchall()


def issue_link(
    conn: Connection, repository_id: int, number: int, *, lock: bool = False
) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM task_github_links WHERE kind = 'issue' AND repository_id = %s AND ref = %s"
        + (" FOR UPDATE" if lock else ""),
        (repository_id, str(number)),
    ).fetchone()


def issue_link_by_id(conn: Connection, link_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM task_github_links WHERE id = %s AND kind = 'issue'" + (" FOR UPDATE" if lock else ""),
        (link_id,),
    ).fetchone()


def issue_links_of_task(conn: Connection, task_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM task_github_links WHERE task_id = %s AND kind = 'issue' ORDER BY created_at, id",
        (task_id,),
    ).fetchall()


def set_synced(conn: Connection, link_id: UUID, *, title: str, state: str, url: str | None = None) -> None:
    """What GitHub holds for the issue now, as far as Hearth knows."""
    conn.execute(
        """
        UPDATE task_github_links SET synced_title = %s, synced_state = %s, title = %s,
          state = %s, url = coalesce(%s, url), updated_at = clock_timestamp()
        WHERE id = %s
        """,
        (title[:1000], state, title[:1000], state, url, link_id),
    )
