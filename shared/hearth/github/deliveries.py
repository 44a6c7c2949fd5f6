"""What a verified GitHub webhook delivery does, in its org's transaction (``hearth.hooks``)::

    handle(ctx)     # on the event: push, pull_request, issues, installation(_repositories)

- ``push``: each commit whose message names a task key of the org (``HRT-42``) is linked to the
  task (repository, sha, message, author, URL); ``fixes|closes|resolves HRT-42`` in a commit
  pushed to the repository's default branch completes the task.
- ``pull_request``: the pull request is linked to the tasks its title, body and branch name
  (in any case: ``hrt-42-login``) name,
  with its state (open, closed, merged: merged is final); a merged one that says it fixes a task
  completes it.
- ``issues``: an issue linked to a task (``POST /v1/tasks/{id}/github-issue``) keeps the task's
  title and open/done state in step. What GitHub sends back of Hearth's own updates is what
  Hearth last sent (``synced_title``/``synced_state``), so it is recognised and not applied again.
- ``installation`` (deleted, suspend, unsuspend, new_permissions_accepted) and
  ``installation_repositories``: the link and the repository list stay current.

Keys are read with the org's own prefix and looked up under its row-level security: a push to
one org's installation naming another org's key links nothing. The event header is not signed:
each handler reads the signed payload and ignores one that is not of its event's shape. Work
here is a few statements per commit (at most :data:`MAX_COMMITS` commits of a push are read),
so the delivery is answered fast.
"""

from __future__ import annotations

import re
from typing import Any, cast
from uuid import UUID

from hearth.crm.tasks.keys import KEY_IN_TEXT
from hearth.github import store
from hearth.github.models import ISSUE_STATE
from hearth.hooks import HookContext
from hearth.observability import logger

#: GitHub puts at most 2048 commits in a push payload; Hearth reads the first 100.
MAX_COMMITS = 100
#: "fixes HRT-42", "Closes: HRT-42", "resolved HRT-42" (GitHub's own closing keywords).
FIXES = re.compile(
    r"(?i:\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?))\s*:?\s+([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,17})(?![A-Za-z0-9])"
)


def handle(ctx: HookContext) -> None:
    payload = ctx.payload
    if not isinstance(payload, dict):
        return
    handler = _HANDLERS.get(ctx.delivery.event)
    if handler is None:
        logger.info("github event ignored", extra={"event": ctx.delivery.event})
        return
    handler(ctx, payload)


def _prefix(ctx: HookContext) -> str:
    row = ctx.db.execute("SELECT task_key_prefix FROM orgs").fetchone()
    return str(row["task_key_prefix"]) if row else ""


def _numbers(prefix: str, *texts: str | None) -> list[int]:
    found: dict[int, None] = {}
    for text in texts:
        for match in KEY_IN_TEXT.finditer(text or ""):
            if match.group(1) == prefix:
                found[int(match.group(2))] = None
    return list(found)


def _fixed(prefix: str, *texts: str | None) -> set[int]:
    return {int(m.group(2)) for text in texts for m in FIXES.finditer(text or "") if m.group(1) == prefix}


def _repository(payload: dict[str, Any]) -> dict[str, Any] | None:
    repo = payload.get("repository")
    if isinstance(repo, dict) and isinstance(repo.get("id"), int) and isinstance(repo.get("full_name"), str):
        return repo
    return None


def _link(ctx: HookContext, task: dict[str, Any], link: dict[str, Any]) -> None:
    row, before = store.upsert_link(ctx.db, ctx.org_id, {**link, "task_id": task["id"]})
    data = {
        "task_id": str(task["id"]),
        "key": task["key"],
        "kind": row["kind"],
        "repository": row["repository"],
        "ref": row["ref"],
        "url": row["url"],
        "state": row["state"],
    }
    if before is None:
        ctx.audit(
            "task.github_link",
            "task",
            task["id"],
            changes={"kind": row["kind"], "repository": row["repository"], "ref": row["ref"]},
        )
        ctx.emit("task.github_linked", "task", task["id"], data=data)
    elif before["state"] != row["state"]:
        ctx.audit(
            "task.github_link",
            "task",
            task["id"],
            changes={"ref": row["ref"], "state": [before["state"], row["state"]]},
        )
        ctx.emit("task.github_linked", "task", task["id"], data={**data, "previous_state": before["state"]})


def _tasks(ctx: HookContext, prefix: str, numbers: list[int]) -> dict[int, dict[str, Any]]:
    found = store.tasks_by_number(ctx.db, prefix, numbers)
    return {n: {**t, "key": f"{prefix}-{n}"} for n, t in found.items()}


def complete(ctx: HookContext, task_id: UUID, *, by: dict[str, Any]) -> bool:
    """Mark the task done (unless it is done or cancelled already, or waits on unfinished
    dependencies): audit, ``task.completed`` and ``task.completed_by_github``."""
    task = store.task(ctx.db, task_id, lock=True)
    if task is None or task["status"] in ("done", "cancelled"):
        return False
    if store.unfinished_dependencies(ctx.db, task_id):
        logger.info("github would complete a blocked task", extra={"task_id": str(task_id)})
        return False
    store.change_task(ctx.db, task_id, {"status": "done"})
    after = _announce(ctx, task, {"status": "done"})
    ctx.emit(
        "task.completed_by_github", "task", task_id, data={"task_id": str(task_id), "key": after["key"], **by}
    )
    return True


def _announce(ctx: HookContext, before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Audit and announce a change GitHub made to a task as the tasks logic does (``task.updated``
    with the whole task, ``task.completed`` when it became done); returns the task's row."""
    from hearth.crm.tasks.store import TASKS  # the record kit: imported when GitHub changes a task
    from hearth.http import RequestContext

    task_id = before["id"]
    ctx.audit(
        "task.update",
        "task",
        task_id,
        changes={k: [before[k], v] for k, v in changes.items()} | {"by": "github"},
    )
    # The record kit reads and announces through the transaction's connection and effects, which
    # a webhook's context has as a route's does.
    as_route = cast(RequestContext, ctx)
    out = TASKS.output(as_route, task_id)
    TASKS.emit(
        as_route,
        "updated",
        out,
        changed_fields=sorted(changes),
        previous_attributes={k: before[k] for k in changes},
    )
    if changes.get("status") == "done":
        TASKS.emit(as_route, "completed", out)
    state = ISSUE_STATE[out.status]
    if any(
        link["synced_title"] != out.title or link["synced_state"] != state
        for link in store.issue_links_of_task(ctx.db, task_id)
    ):
        # Its issues follow (a commit that fixes the task closes them); the issue this change
        # came from already holds it (synced_*): no update is queued for it.
        ctx.emit("github.issue.sync_queued", "task", task_id, data={"task_id": str(task_id), "key": out.key})
    return {"id": task_id, "key": out.key}


# -- push ----------------------------------------------------------------------------------------


def push(ctx: HookContext, payload: dict[str, Any]) -> None:
    repo = _repository(payload)
    commits = payload.get("commits")
    if repo is None or not isinstance(commits, list) or not isinstance(payload.get("ref"), str):
        return
    prefix = _prefix(ctx)
    on_default = payload["ref"] == f"refs/heads/{repo.get('default_branch') or 'main'}"
    for commit in commits[:MAX_COMMITS]:
        if not isinstance(commit, dict) or not isinstance(commit.get("id"), str):
            continue
        message = str(commit.get("message") or "")
        tasks = _tasks(ctx, prefix, _numbers(prefix, message))
        author = commit.get("author") or {}
        for number, task in tasks.items():
            _link(
                ctx,
                task,
                {
                    "kind": "commit",
                    "repository_id": repo["id"],
                    "repository": repo["full_name"],
                    "ref": commit["id"][:64],
                    "title": message[:1000],
                    "url": commit.get("url"),
                    "author": str(author.get("username") or author.get("name") or "")[:200] or None,
                    "branch": payload["ref"].removeprefix("refs/heads/")[:255],
                    "fixes": on_default and number in _fixed(prefix, message),
                },
            )
        if on_default:
            for number in _fixed(prefix, message) & set(tasks):
                complete(
                    ctx,
                    tasks[number]["id"],
                    by={"kind": "commit", "repository": repo["full_name"], "ref": commit["id"]},
                )


# -- pull_request --------------------------------------------------------------------------------


def pull_request(ctx: HookContext, payload: dict[str, Any]) -> None:
    repo, pr = _repository(payload), payload.get("pull_request")
    if repo is None or not isinstance(pr, dict) or not isinstance(pr.get("number"), int):
        return
    prefix = _prefix(ctx)
    branch = str((pr.get("head") or {}).get("ref") or "")
    title, body = str(pr.get("title") or ""), str(pr.get("body") or "")
    # Branch names are lower case by habit: hrt-42-login names HRT-42.
    tasks = _tasks(ctx, prefix, _numbers(prefix, title, body, branch.upper()))
    merged = bool(pr.get("merged")) or bool(pr.get("merged_at"))
    state = "merged" if merged else ("closed" if pr.get("state") == "closed" else "open")
    fixed = _fixed(prefix, title, body)
    base = str((pr.get("base") or {}).get("ref") or "")
    into_default = base == (repo.get("default_branch") or "main")
    for number, task in tasks.items():
        _link(
            ctx,
            task,
            {
                "kind": "pull_request",
                "repository_id": repo["id"],
                "repository": repo["full_name"],
                "ref": str(pr["number"]),
                "title": title[:1000],
                "url": pr.get("html_url"),
                "author": str((pr.get("user") or {}).get("login") or "")[:200] or None,
                "branch": branch[:255] or None,
                "state": state,
                "fixes": number in fixed,
            },
        )
        if merged and into_default and number in fixed:
            complete(
                ctx,
                task["id"],
                by={"kind": "pull_request", "repository": repo["full_name"], "ref": str(pr["number"])},
            )


# -- issues --------------------------------------------------------------------------------------


def _linked_issue(ctx: HookContext, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The issue of an ``issues`` payload and its link to a task, if it has one."""
    repo, issue = _repository(payload), payload.get("issue")
    if repo is None or not isinstance(issue, dict) or not isinstance(issue.get("number"), int):
        return None
    # GitHub sends pull requests as issues too (not an issue link); a deleted issue changes nothing.
    if "pull_request" in issue or payload.get("action") == "deleted":
        return None
    link = store.issue_link(ctx.db, repo["id"], issue["number"], lock=True)
    return (issue, link) if link is not None else None


def issues(ctx: HookContext, payload: dict[str, Any]) -> None:
    found = _linked_issue(ctx, payload)
    if found is None:
        return
    issue, link = found
    title = str(issue.get("title") or "")[:300]
    state = "closed" if issue.get("state") == "closed" else "open"
    if title == link["synced_title"] and state == link["synced_state"]:
        return  # already so on both sides: Hearth's own update coming back, or a repeat
    store.set_synced(ctx.db, link["id"], title=title, state=state, url=issue.get("html_url"))
    task = store.task(ctx.db, link["task_id"], lock=True)
    if task is None:
        return
    repo = payload["repository"]
    changes: dict[str, Any] = {}
    if title and title != task["title"]:
        changes["title"] = title
    if state == "closed" and task["status"] not in ("done", "cancelled"):
        if store.unfinished_dependencies(ctx.db, task["id"]) == 0:
            changes["status"] = "done"
    elif state == "open" and task["status"] in ("done", "cancelled"):
        changes["status"] = "open"
    if not changes:
        return
    store.change_task(ctx.db, task["id"], changes)
    after = _announce(ctx, task, changes)
    if changes.get("status") == "done":
        ctx.emit(
            "task.completed_by_github",
            "task",
            task["id"],
            data={
                "task_id": str(task["id"]),
                "key": after["key"],
                "kind": "issue",
                "repository": repo["full_name"],
                "ref": str(issue["number"]),
            },
        )


# -- the installation ----------------------------------------------------------------------------


def installation(ctx: HookContext, payload: dict[str, Any]) -> None:
    action = payload.get("action")
    if action == "deleted":
        row = store.unlink_installation(ctx.db)
        if row is not None:
            ctx.audit(
                "github.installation.unlink",
                "github_installation",
                row["installation_id"],
                changes={"by": "github"},
            )
            ctx.emit(
                "github.installation.unlinked",
                "github_installation",
                ctx.org_id,
                data={"installation_id": row["installation_id"], "by": "github"},
            )
    elif action in ("suspend", "unsuspend"):
        store.set_suspended(ctx.db, action == "suspend")
        ctx.audit(
            f"github.installation.{action}",
            "github_installation",
            (payload.get("installation") or {}).get("id"),
        )
    elif action in ("created", "new_permissions_accepted") and isinstance(payload.get("repositories"), list):
        store.save_repositories(ctx.db, ctx.org_id, _repos(payload["repositories"]), replace=True)


def _repos(items: list[Any]) -> list[dict[str, Any]]:
    return [
        r
        for r in items
        if isinstance(r, dict) and isinstance(r.get("id"), int) and isinstance(r.get("full_name"), str)
    ]


def installation_repositories(ctx: HookContext, payload: dict[str, Any]) -> None:
    added, removed = payload.get("repositories_added"), payload.get("repositories_removed")
    if not isinstance(added, list) or not isinstance(removed, list):
        return
    store.save_repositories(ctx.db, ctx.org_id, _repos(added), replace=False)
    store.remove_repositories(ctx.db, [r["id"] for r in _repos(removed)])
    ctx.audit(
        "github.repositories.change",
        "github_installation",
        (payload.get("installation") or {}).get("id"),
        changes={
            "added": [r["full_name"] for r in _repos(added)],
            "removed": [r["full_name"] for r in _repos(removed)],
        },
    )


_HANDLERS = {
    "push": push,
    "pull_request": pull_request,
    "issues": issues,
    "installation": installation,
    "installation_repositories": installation_repositories,
}
