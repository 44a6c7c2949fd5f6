"""GitHub as the tests meet it: the session's GitHub stand-in (``tests.conftest.GITHUB``),
installations linked through the API, and webhook deliveries signed as GitHub signs them."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from hearth_dev.standins.github import delivery_headers

from tests.conftest import GITHUB, GITHUB_WEBHOOK_SECRET

WEBHOOK = "/webhooks/github/events"
_ids = itertools.count(int(uuid.uuid4().int % 10**9) * 1000 + 1)


def install(client: Any, tenant: Any, repositories: tuple[str, ...] = ("acme/web",)) -> dict[str, Any]:
    """Install the app for ``tenant`` on GitHub and link it as GitHub's setup callback would;
    returns ``{"installation_id", "repositories": [GitHub's repository objects]}``."""
    started = client.post("/v1/integrations/github/install", auth=tenant.key_auth)
    assert started.status == 200, started.body
    installation_id = next(_ids)
    owner = f"org{installation_id}"
    repos = GITHUB.add_installation(
        installation_id, owner, [f"{owner}/{r.split('/')[-1]}" for r in repositories]
    )
    linked = client.post(
        "/v1/integrations/github/installation",
        auth=tenant.key_auth,
        json_body={"installation_id": installation_id, "state": started.json()["state"]},
    )
    assert linked.status == 201, linked.body
    return {"installation_id": installation_id, "repositories": repos}


def deliver(
    client: Any,
    event: str,
    payload: dict[str, Any],
    *,
    secret: str = GITHUB_WEBHOOK_SECRET,
    body: bytes | None = None,
) -> Any:
    """A webhook delivery as GitHub sends it (X-Hub-Signature-256 over the exact body)."""
    raw = body if body is not None else json.dumps(payload).encode()
    headers = delivery_headers(event, raw, secret)
    return client.post(WEBHOOK, auth=None, body=raw, headers={k.lower(): v for k, v in headers.items()})


def push(installation: dict[str, Any], *messages: str, branch: str = "main") -> dict[str, Any]:
    repo = installation["repositories"][0]
    commits = [
        {
            "id": uuid.uuid4().hex + uuid.uuid4().hex[:8],
            "message": message,
            "url": f"https://github.com/{repo['full_name']}/commit/{i}",
            "author": {"name": "Ada", "email": "ada@example.com", "username": "ada"},
        }
        for i, message in enumerate(messages)
    ]
    return {
        "ref": f"refs/heads/{branch}",
        "before": "0" * 40,
        "after": commits[-1]["id"] if commits else "0" * 40,
        "repository": repo,
        "commits": commits,
        "installation": {"id": installation["installation_id"]},
        "sender": {"login": "ada", "type": "User"},
    }


def pull_request(
    installation: dict[str, Any],
    number: int,
    *,
    title: str,
    body: str = "",
    branch: str = "feature",
    action: str = "opened",
    merged: bool = False,
) -> dict[str, Any]:
    repo = installation["repositories"][0]
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "title": title,
            "body": body,
            "state": "closed" if action == "closed" else "open",
            "merged": merged,
            "merged_at": "2026-12-01T10:00:00Z" if merged else None,
            "html_url": f"https://github.com/{repo['full_name']}/pull/{number}",
            "user": {"login": "ada"},
            "head": {"ref": branch},
            "base": {"ref": "main"},
        },
        "repository": repo,
        "installation": {"id": installation["installation_id"]},
        "sender": {"login": "ada", "type": "User"},
    }


def issue_event(
    installation: dict[str, Any], issue: dict[str, Any], action: str, *, sender: str = "ada"
) -> dict[str, Any]:
    return {
        "action": action,
        "issue": issue,
        "repository": installation["repositories"][0],
        "installation": {"id": installation["installation_id"]},
        "sender": {"login": sender, "type": "Bot" if sender.endswith("[bot]") else "User"},
    }


def task(client: Any, tenant: Any, title: str = "Ship it", **fields: Any) -> dict[str, Any]:
    made = client.post("/v1/tasks", auth=tenant.key_auth, json_body={"title": title, **fields})
    assert made.status == 201, made.body
    return dict(made.json())


def set_prefix(client: Any, tenant: Any, prefix: str) -> None:
    changed = client.request(
        "PATCH", "/v1/orgs/current", auth=tenant.key_auth, json_body={"task_key_prefix": prefix}
    )
    assert changed.status == 200, changed.body
