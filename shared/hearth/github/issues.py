"""A task's GitHub side: what is linked to it, the issue Hearth makes for it, and keeping that
issue's title and state in step with the task::

    linked(ctx, "HRT-42")                      # GET /v1/tasks/{id}/github
    create_issue(ctx, "HRT-42", body)          # POST /v1/tasks/{id}/github-issue
    sync(conn, org_id, task_id)                # the GitHub sync consumer: PATCH what differs

A task's title or status changed through the API queues ``github.issue.sync_queued`` (the tasks
logic does, when the task has an issue); the event dispatch consumer sends it to the GitHub sync
queue, whose consumer updates each linked issue whose last known GitHub state
(``synced_title``/``synced_state``) differs from the task, and records what it sent. A change
that came from GitHub set those first, so it is never sent back; what Hearth sent comes back as
an ``issues`` webhook equal to them, and is not applied again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.crm.tasks import keys
from hearth.db import Connection
from hearth.github import store
from hearth.github.app import GitHubError, RateLimited, app
from hearth.github.installs import unavailable
from hearth.github.models import ISSUE_STATE, GitHubLink, IssueCreate, TaskGitHub
from hearth.http import RequestContext
from hearth.problems import NotFound, Problem, invalid


def _task(ctx: RequestContext, ref: str) -> dict[str, Any]:
    task_id = keys.resolve(ctx, ref)
    task = store.task(ctx.db, task_id)
    if task is None:
        raise NotFound("task", ref)
    return task


def linked(ctx: RequestContext, ref: str) -> TaskGitHub:
    task = _task(ctx, ref)
    links = [GitHubLink.model_validate(r) for r in store.links_of(ctx.db, task["id"])]
    return TaskGitHub(
        task_id=task["id"],
        key=task["key"],
        commits=[link for link in links if link.kind == "commit"],
        pull_requests=[link for link in links if link.kind == "pull_request"],
        issues=[link for link in links if link.kind == "issue"],
    )


def create_issue(ctx: RequestContext, ref: str, body: IssueCreate) -> GitHubLink:
    task = _task(ctx, ref)
    installation = store.installation(ctx.db)
    if installation is None:
        raise NotFound("github installation", code="github_not_installed")
    repo = store.repository_named(ctx.db, body.repository)
    if repo is None:
        raise invalid(
            "repository", "The org's GitHub installation cannot see this repository.", "repository_not_found"
        )
    if store.issue_links_of_task(ctx.db, task["id"]):
        raise Problem("issue_exists", "The task has a GitHub issue already.", status=409)
    state = ISSUE_STATE[task["status"]]
    try:
        issue = app().call(
            "POST",
            f"/repos/{repo['full_name']}/issues",
            installation=int(installation["installation_id"]),
            body={"title": task["title"], "body": f"{task['key']} in Hearth."},
        )
        if state == "closed":
            issue = app().call(
                "PATCH",
                f"/repos/{repo['full_name']}/issues/{issue['number']}",
                installation=int(installation["installation_id"]),
                body={"state": "closed"},
            )
    except RateLimited as exc:
        raise Problem(
            "github_rate_limited",
            "GitHub asks to wait before the next call.",
            status=503,
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except GitHubError as exc:
        raise unavailable(exc) from None
    row, _ = store.upsert_link(
        ctx.db,
        ctx.org_id,
        {
            "task_id": task["id"],
            "kind": "issue",
            "repository_id": repo["repository_id"],
            "repository": repo["full_name"],
            "ref": str(issue["number"]),
            "title": str(issue["title"])[:1000],
            "url": issue.get("html_url"),
            "author": str((issue.get("user") or {}).get("login") or "")[:200] or None,
            "state": state,
            "synced_title": str(issue["title"])[:1000],
            "synced_state": state,
        },
    )
    ctx.audit(
        "task.github_link",
        "task",
        task["id"],
        changes={"kind": "issue", "repository": repo["full_name"], "ref": row["ref"]},
    )
    ctx.emit(
        "task.github_linked",
        "task",
        task["id"],
        data={
            "task_id": str(task["id"]),
            "key": task["key"],
            "kind": "issue",
            "repository": repo["full_name"],
            "ref": row["ref"],
            "url": row["url"],
            "state": state,
        },
    )
    ctx.response_headers["Location"] = f"/v1/tasks/{task['id']}/github"
    return GitHubLink.model_validate(row)


def sync(conn: Connection, task_id: UUID) -> int:
    """Update every issue linked to the task that GitHub holds otherwise than the task (in the
    org's open transaction); returns how many were updated. Raises :class:`RateLimited` and
    temporary :class:`GitHubError` for the queue to retry; a permanent error is logged by the
    caller and the message ends."""
    task = conn.execute(
        "SELECT id, title, status, deleted_at FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    if task is None or task["deleted_at"] is not None:
        return 0
    installation = store.installation(conn)
    if installation is None:
        return 0
    sent = 0
    for listed in store.issue_links_of_task(conn, task_id):
        link = store.issue_link_by_id(conn, listed["id"], lock=True) or listed
        title, state = task["title"], ISSUE_STATE[task["status"]]
        changes = {}
        if title != link["synced_title"]:
            changes["title"] = title
        if state != link["synced_state"]:
            changes["state"] = state
        if not changes:
            continue
        issue = app().call(
            "PATCH",
            f"/repos/{link['repository']}/issues/{link['ref']}",
            installation=int(installation["installation_id"]),
            body=changes,
        )
        store.set_synced(
            conn,
            link["id"],
            title=str(issue.get("title") or title),
            state="closed" if issue.get("state") == "closed" else "open",
            url=issue.get("html_url"),
        )
        sent += 1
    return sent
