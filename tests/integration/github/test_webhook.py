"""The GitHub webhook: verified per GitHub's documented test vector, deduplicated, applied to the
org the installation is linked to: commits and pull requests linked to the tasks they name, a
fix on the default branch completing a task, the installation kept current."""

from __future__ import annotations

import json

from hearth.hooks.providers.github import signature
from tests.conftest import GITHUB_WEBHOOK_SECRET
from tests.integration.github.scenario import deliver, install, pull_request, push, set_prefix, task


def _count(admin_db, table: str, **where: object) -> int:
    clause = " AND ".join(f"{k} = %s" for k in where) or "true"
    return int(
        admin_db.execute(
            f"SELECT count(*) AS n FROM {table} WHERE {clause}", list(where.values())
        ).fetchone()["n"]
    )


def _events(admin_db, org_id: str, type_: str) -> list[dict]:
    return admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = %s ORDER BY occurred_at", (org_id, type_)
    ).fetchall()


def test_the_documented_test_vector():
    # docs.github.com, "Validating webhook deliveries": secret, payload and the expected signature.
    assert GITHUB_WEBHOOK_SECRET == "It's a Secret to Everybody"
    assert signature(GITHUB_WEBHOOK_SECRET, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_a_bad_signature_is_refused_and_stores_nothing(client, tenant, admin_db):
    installation = install(client, tenant)
    set_prefix(client, tenant, "HRT")
    made = task(client, tenant)
    before = (_count(admin_db, "inbound_webhook_receipts"), _count(admin_db, "task_github_links"))
    payload = push(installation, f"Fixes {made['key']}")
    for secret in ("It's a Secret to Everybody!", ""):
        answer = deliver(client, "push", payload, secret=secret or "x")
        assert answer.status == 401
    raw = json.dumps(payload).encode()
    unsigned = client.post(
        "/webhooks/github/events",
        auth=None,
        body=raw,
        headers={"x-github-event": "push", "x-github-delivery": "d", "content-type": "application/json"},
    )
    assert unsigned.status == 401
    assert (_count(admin_db, "inbound_webhook_receipts"), _count(admin_db, "task_github_links")) == before
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "open"


def test_a_push_links_commits_and_a_fix_on_the_default_branch_completes(client, tenant, admin_db):
    installation = install(client, tenant)
    set_prefix(client, tenant, "HRT")
    one, two, three = task(client, tenant, "One"), task(client, tenant, "Two"), task(client, tenant, "Three")
    payload = push(installation, "Start HRT-1 and HRT-2", "fixes HRT-2", "Closes: HRT-3 later", branch="main")
    answer = deliver(client, "push", payload)
    assert answer.status == 200, answer.body
    github = client.get("/v1/tasks/HRT-2/github", auth=tenant.key_auth).json()
    assert [c["title"] for c in github["commits"]] == ["Start HRT-1 and HRT-2", "fixes HRT-2"]
    commit = github["commits"][0]
    assert commit["repository"] == installation["repositories"][0]["full_name"]
    assert commit["ref"] == payload["commits"][0]["id"]
    assert commit["author"] == "ada"
    assert commit["url"] == payload["commits"][0]["url"]
    assert [c["fixes"] for c in github["commits"]] == [False, True]
    assert client.get(f"/v1/tasks/{two['id']}", auth=tenant.key_auth).json()["status"] == "done"
    assert client.get(f"/v1/tasks/{three['id']}", auth=tenant.key_auth).json()["status"] == "done"
    assert client.get(f"/v1/tasks/{one['id']}", auth=tenant.key_auth).json()["status"] == "open"
    completed = _events(admin_db, tenant.org_id, "task.completed_by_github")
    assert sorted(e["payload"]["key"] for e in completed) == ["HRT-2", "HRT-3"]
    assert len(_events(admin_db, tenant.org_id, "task.github_linked")) == 4
    # The same delivery again (GitHub's redelivery): answered, nothing more.
    again = deliver(client, "push", payload)
    assert again.status == 200
    assert len(_events(admin_db, tenant.org_id, "task.github_linked")) == 4
    assert _count(admin_db, "task_github_links", org_id=tenant.org_id) == 4


def test_a_fix_on_another_branch_links_but_does_not_complete(client, tenant):
    installation = install(client, tenant)
    made = task(client, tenant)
    assert deliver(client, "push", push(installation, f"fixes {made['key']}", branch="feature")).status == 200
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "open"
    linked = client.get(f"/v1/tasks/{made['key']}/github", auth=tenant.key_auth).json()["commits"]
    assert [(c["branch"], c["fixes"]) for c in linked] == [("feature", False)]


def test_a_push_naming_another_orgs_key_links_nothing(client, tenant, other_tenant, admin_db):
    installation = install(client, tenant)
    set_prefix(client, tenant, "HRT")
    set_prefix(client, other_tenant, "GLX")
    theirs = task(client, other_tenant, "Theirs")
    task(client, tenant, "Ours")
    assert deliver(client, "push", push(installation, "fixes GLX-1", "GLX-1 again")).status == 200
    assert _count(admin_db, "task_github_links", org_id=tenant.org_id) == 0
    assert _count(admin_db, "task_github_links", org_id=other_tenant.org_id) == 0
    got = client.get(f"/v1/tasks/{theirs['id']}", auth=other_tenant.key_auth).json()
    assert got["status"] == "open"
    assert got["version"] == theirs["version"]
    assert client.get("/v1/tasks/GLX-1/github", auth=other_tenant.key_auth).json()["commits"] == []


def test_a_delivery_for_an_installation_no_org_has_is_acknowledged_and_ignored(client, tenant, admin_db):
    made = task(client, tenant)
    payload = push(
        {"installation_id": 1, "repositories": [{"id": 5, "full_name": "x/y", "default_branch": "main"}]},
        f"fixes {made['key']}",
    )
    before = _count(admin_db, "inbound_webhook_receipts")
    assert deliver(client, "push", payload).status == 200
    assert _count(admin_db, "inbound_webhook_receipts") == before
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "open"


def test_pull_requests_are_linked_with_their_state_and_a_merged_fix_completes(client, tenant, admin_db):
    installation = install(client, tenant)
    set_prefix(client, tenant, "HRT")
    one, two = task(client, tenant, "One"), task(client, tenant, "Two")
    opened = pull_request(installation, 7, title="Login page", body="Fixes HRT-1", branch="hrt-2-login")
    assert deliver(client, "pull_request", opened).status == 200
    assert (
        client.get("/v1/tasks/HRT-2/github", auth=tenant.key_auth).json()["pull_requests"][0]["state"]
        == "open"
    )
    assert client.get(f"/v1/tasks/{one['id']}", auth=tenant.key_auth).json()["status"] == "open"
    merged = pull_request(
        installation,
        7,
        title="Login page",
        body="Fixes HRT-1",
        branch="hrt-2-login",
        action="closed",
        merged=True,
    )
    assert deliver(client, "pull_request", merged).status == 200
    prs = client.get("/v1/tasks/HRT-1/github", auth=tenant.key_auth).json()["pull_requests"]
    assert [(p["ref"], p["state"], p["fixes"]) for p in prs] == [("7", "merged", True)]
    assert client.get(f"/v1/tasks/{one['id']}", auth=tenant.key_auth).json()["status"] == "done"
    assert client.get(f"/v1/tasks/{two['id']}", auth=tenant.key_auth).json()["status"] == "open"
    # A later event of the same pull request does not move it back from merged.
    late = pull_request(installation, 7, title="Login page!", body="Fixes HRT-1", action="edited")
    assert deliver(client, "pull_request", late).status == 200
    assert (
        client.get("/v1/tasks/HRT-1/github", auth=tenant.key_auth).json()["pull_requests"][0]["state"]
        == "merged"
    )
    assert [e["payload"]["kind"] for e in _events(admin_db, tenant.org_id, "task.completed_by_github")] == [
        "pull_request"
    ]


def test_installation_events_keep_the_link_and_repositories_current(client, tenant, admin_db):
    installation = install(client, tenant, ("acme/web", "acme/api"))
    listed = client.get("/v1/integrations/github/repositories", auth=tenant.key_auth)
    assert listed.status == 200, listed.body
    names = [r["full_name"] for r in listed.json()["data"]]
    assert len(names) == 2
    base = {"installation": {"id": installation["installation_id"]}, "sender": {"login": "ada"}}
    gone = installation["repositories"][1]
    added = {"id": 77, "full_name": "someone/new", "private": False}
    change = {**base, "action": "added", "repositories_added": [added], "repositories_removed": [gone]}
    assert deliver(client, "installation_repositories", change).status == 200
    stored = admin_db.execute(
        "SELECT full_name FROM github_repositories WHERE org_id = %s ORDER BY full_name", (tenant.org_id,)
    ).fetchall()
    assert [r["full_name"] for r in stored] == sorted(
        [installation["repositories"][0]["full_name"], "someone/new"]
    )
    got = client.get("/v1/integrations/github/installation", auth=tenant.key_auth)
    assert got.status == 200
    assert got.json()["installation_id"] == installation["installation_id"]
    assert deliver(client, "installation", {**base, "action": "deleted"}).status == 200
    assert client.get("/v1/integrations/github/installation", auth=tenant.key_auth).status == 404
    # Unlinked: its deliveries name no org now.
    made = task(client, tenant)
    assert deliver(client, "push", push(installation, f"fixes {made['key']}")).status == 200
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "open"


def test_a_suspended_installation_is_shown_so_until_unsuspended(client, tenant):
    installation = install(client, tenant)
    base = {"installation": {"id": installation["installation_id"]}, "sender": {"login": "ada"}}
    assert deliver(client, "installation", {**base, "action": "suspend"}).status == 200
    got = client.get("/v1/integrations/github/installation", auth=tenant.key_auth).json()
    assert got["suspended_at"] is not None
    assert deliver(client, "installation", {**base, "action": "unsuspend"}).status == 200
    got = client.get("/v1/integrations/github/installation", auth=tenant.key_auth).json()
    assert got["suspended_at"] is None


def test_an_event_header_that_does_not_match_the_payload_changes_nothing(client, tenant, admin_db):
    installation = install(client, tenant)
    made = task(client, tenant)
    # A signed push payload delivered as an "issues" event: the issues handler finds no issue in it.
    assert deliver(client, "issues", push(installation, f"fixes {made['key']}")).status == 200
    assert _count(admin_db, "task_github_links", org_id=tenant.org_id) == 0
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["status"] == "open"
