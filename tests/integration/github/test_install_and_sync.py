"""Installing the app (signed state, one installation one org), the app's authentication
(installation tokens cached until shortly before they expire), and issues kept in step with their
tasks both ways, without echo loops."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from hearth.github import app as github_app
from hearth.github.app import GitHubApp, RateLimited, retry_after
from hearth.github.worker import SyncMessage, process
from tests.conftest import GITHUB, GITHUB_APP_ID, GITHUB_APP_KEY
from tests.integration.github.scenario import deliver, install, issue_event, push, set_prefix, task


def _sync(admin_db, org_id: str) -> list[SyncMessage]:
    """The sync messages the outbox holds for the org (what event dispatch sends to the queue)."""
    rows = admin_db.execute(
        "SELECT resource_id FROM domain_events WHERE org_id = %s AND type = 'github.issue.sync_queued'"
        " ORDER BY occurred_at",
        (org_id,),
    ).fetchall()
    return [SyncMessage(org_id=uuid.UUID(org_id), task_id=uuid.UUID(r["resource_id"])) for r in rows]


def _patches() -> int:
    return sum(1 for r in GITHUB.requests if r.method == "PATCH")


def test_install_url_names_the_org_in_a_signed_state(client, tenant, other_tenant):
    answer = client.post("/v1/integrations/github/install", auth=tenant.key_auth)
    assert answer.status == 200, answer.body
    url = urlsplit(answer.json()["url"])
    assert url.path.endswith("/installations/new")
    assert parse_qs(url.query)["state"] == [answer.json()["state"]]
    GITHUB.add_installation(991001, "acme")
    # Another org's state does not link; nor does a forged one.
    for state in (answer.json()["state"], answer.json()["state"][:-4] + "AAAA"):
        refused = client.post(
            "/v1/integrations/github/installation",
            auth=other_tenant.key_auth,
            json_body={"installation_id": 991001, "state": state},
        )
        assert refused.status == 422, refused.body
        assert refused.json()["errors"][0]["code"] == "state_invalid"
    assert client.get("/v1/integrations/github/installation", auth=other_tenant.key_auth).status == 404


def test_an_installation_older_than_the_state_or_unknown_is_refused(client, tenant):
    state = client.post("/v1/integrations/github/install", auth=tenant.key_auth).json()["state"]
    GITHUB.add_installation(991002, "someone-else", at=datetime.now(UTC) - timedelta(days=3))
    old = client.post(
        "/v1/integrations/github/installation",
        auth=tenant.key_auth,
        json_body={"installation_id": 991002, "state": state},
    )
    assert old.status == 422
    assert old.json()["errors"][0]["code"] == "installation_predates_state"
    unknown = client.post(
        "/v1/integrations/github/installation",
        auth=tenant.key_auth,
        json_body={"installation_id": 991999, "state": state},
    )
    assert unknown.status == 422
    assert unknown.json()["errors"][0]["code"] == "installation_not_found"
    assert client.get("/v1/integrations/github/installation", auth=tenant.key_auth).status == 404


def test_one_installation_belongs_to_one_org(client, tenant, other_tenant):
    installation = install(client, tenant)
    state = client.post("/v1/integrations/github/install", auth=other_tenant.key_auth).json()["state"]
    taken = client.post(
        "/v1/integrations/github/installation",
        auth=other_tenant.key_auth,
        json_body={"installation_id": installation["installation_id"], "state": state},
    )
    assert taken.status == 409
    assert taken.json()["code"] == "installation_taken"
    assert client.get("/v1/integrations/github/installation", auth=tenant.key_auth).status == 200
    assert client.get("/v1/integrations/github/installation", auth=other_tenant.key_auth).status == 404
    assert (
        client.request("DELETE", "/v1/integrations/github/installation", auth=tenant.key_auth).status == 204
    )
    assert client.get("/v1/integrations/github/installation", auth=tenant.key_auth).status == 404


def test_members_cannot_install(client, tenant):
    member = client.add_member(tenant, "member")
    refused = client.post("/v1/integrations/github/install", auth=member.auth, org=tenant.org_id)
    assert refused.status == 403


def test_installation_tokens_are_cached_until_shortly_before_expiry():
    GITHUB.add_installation(991003, "tokens", ["tokens/repo"])
    client = GitHubApp(str(GITHUB_APP_ID), GITHUB.url, GITHUB_APP_KEY)

    def minted() -> int:
        return sum(1 for r in GITHUB.requests if r.path == "/app/installations/991003/access_tokens")

    try:
        for _ in range(3):
            client.call("GET", "/installation/repositories", installation=991003)
        assert minted() == 1
        GITHUB.token_lifetime = timedelta(minutes=4)  # inside the 5-minute margin: refreshed each time
        client.forget(991003)
        for _ in range(2):
            client.call("GET", "/installation/repositories", installation=991003)
        assert minted() == 3
        GITHUB.token_lifetime = timedelta(seconds=-1)  # GitHub says the token expired: one new token
        with pytest.raises(Exception, match="401"):
            client.call("GET", "/installation/repositories", installation=991003)
    finally:
        GITHUB.token_lifetime = timedelta(hours=1)


def test_rate_limits_are_read_as_github_sends_them():
    assert retry_after(429, {"retry-after": "7"}, 1000.0) == 7
    assert retry_after(403, {"retry-after": "30"}, 1000.0) == 30
    assert retry_after(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1090"}, 1000.0) == 90
    assert retry_after(403, {"x-ratelimit-remaining": "12"}, 1000.0) is None
    assert retry_after(500, {}, 1000.0) is None
    GITHUB.add_installation(991004, "limited", ["limited/repo"])
    client = GitHubApp(str(GITHUB_APP_ID), GITHUB.url, GITHUB_APP_KEY)
    GITHUB.fail(status=429, times=1, retry_after=11, paths="/installation")
    with pytest.raises(RateLimited) as raised:
        client.call("GET", "/installation/repositories", installation=991004)
    assert raised.value.retry_after == 11


def test_an_issue_follows_its_task_and_the_task_its_issue_without_echoes(client, tenant, admin_db):
    installation = install(client, tenant)
    set_prefix(client, tenant, "HRT")
    made = task(client, tenant, "Write the docs")
    repo = installation["repositories"][0]["full_name"]
    created = client.post(
        f"/v1/tasks/{made['key']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
    )
    assert created.status == 201, created.body
    number = int(created.json()["ref"])
    issue = GITHUB.issues[repo][number]
    assert issue["title"] == "Write the docs"
    assert issue["state"] == "open"
    again = client.post(
        f"/v1/tasks/{made['key']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
    )
    assert again.status == 409

    # Hearth -> GitHub: the task's change is queued, the consumer sends it once.
    changed = client.request(
        "PATCH",
        f"/v1/tasks/{made['id']}",
        auth=tenant.key_auth,
        json_body={"title": "Write the manual", "status": "done"},
    )
    assert changed.status == 200
    messages = _sync(admin_db, tenant.org_id)
    assert len(messages) == 1
    github_app.reset()
    process(messages[0])
    assert (issue["title"], issue["state"]) == ("Write the manual", "closed")
    patches = _patches()
    process(messages[0])  # a repeated message: nothing left to send
    assert _patches() == patches

    # GitHub's webhook of Hearth's own change: recognised, the task is left as it is.
    version = client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["version"]
    assert (
        deliver(
            client, "issues", issue_event(installation, dict(issue), "edited", sender="hearth-local[bot]")
        ).status
        == 200
    )
    assert (
        deliver(
            client, "issues", issue_event(installation, dict(issue), "closed", sender="hearth-local[bot]")
        ).status
        == 200
    )
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["version"] == version

    # GitHub -> Hearth: someone reopens and renames it; the task follows, and nothing is sent back.
    issue.update(title="Write the whole manual", state="open")
    assert deliver(client, "issues", issue_event(installation, dict(issue), "reopened")).status == 200
    got = client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()
    assert (got["title"], got["status"]) == ("Write the whole manual", "open")
    assert len(_sync(admin_db, tenant.org_id)) == 1  # the webhook's change queues no update
    process(messages[0])
    assert _patches() == patches


def test_an_issue_closed_on_github_completes_its_task(client, tenant, admin_db):
    installation = install(client, tenant)
    made = task(client, tenant, "Close me")
    repo = installation["repositories"][0]["full_name"]
    number = int(
        client.post(
            f"/v1/tasks/{made['id']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
        ).json()["ref"]
    )
    issue = GITHUB.issues[repo][number]
    issue["state"] = "closed"
    assert deliver(client, "issues", issue_event(installation, dict(issue), "closed")).status == 200
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "done"
    kinds = admin_db.execute(
        "SELECT payload FROM domain_events WHERE org_id = %s AND type = 'task.completed_by_github'",
        (tenant.org_id,),
    ).fetchall()
    assert [k["payload"]["kind"] for k in kinds] == ["issue"]


def test_a_rate_limited_update_is_retried_not_lost(client, tenant, admin_db):
    installation = install(client, tenant)
    made = task(client, tenant, "Limited")
    repo = installation["repositories"][0]["full_name"]
    client.post(f"/v1/tasks/{made['id']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo})
    client.request("PATCH", f"/v1/tasks/{made['id']}", auth=tenant.key_auth, json_body={"title": "Limited!"})
    message = _sync(admin_db, tenant.org_id)[0]
    GITHUB.fail(status=429, times=1, retry_after=3, paths="/repos/")
    with pytest.raises(RateLimited):  # no queue to send it again to here: the record fails, SQS redelivers
        process(message)
    process(message)
    number = int(
        client.get(f"/v1/tasks/{made['id']}/github", auth=tenant.key_auth).json()["issues"][0]["ref"]
    )
    assert GITHUB.issues[repo][number]["title"] == "Limited!"


def test_a_commit_that_fixes_a_task_closes_its_issue(client, tenant, admin_db):
    installation = install(client, tenant)
    made = task(client, tenant, "Fix me")
    repo = installation["repositories"][0]["full_name"]
    number = int(
        client.post(
            f"/v1/tasks/{made['id']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
        ).json()["ref"]
    )
    assert deliver(client, "push", push(installation, f"Fixes {made['key']}")).status == 200
    [message] = _sync(admin_db, tenant.org_id)
    process(message)
    assert GITHUB.issues[repo][number]["state"] == "closed"
    # GitHub's issues webhook of that close is Hearth's own: nothing changes.
    version = client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["version"]
    closed = issue_event(
        installation, dict(GITHUB.issues[repo][number]), "closed", sender="hearth-local[bot]"
    )
    assert deliver(client, "issues", closed).status == 200
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["version"] == version
    assert len(_sync(admin_db, tenant.org_id)) == 1
