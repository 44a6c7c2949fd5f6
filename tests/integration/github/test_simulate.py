"""``hearth simulate github push|pull_request|issues|installation``: the deliveries it builds are
signed as GitHub signs them and do what GitHub's would (sent here through the in-process gateway)."""

from __future__ import annotations

import argparse

from hearth_dev import simulate
from hearth_dev.standins.github import repository_object

from tests.conftest import GITHUB, GITHUB_WEBHOOK_SECRET
from tests.integration.github.scenario import install, task

TARGET = simulate.Target("http://127.0.0.1:9", "http://127.0.0.1:9")


def _build(event: str, *argv: str) -> simulate.Delivery:
    simulation = simulate.REGISTRY["github"][event]
    parser = argparse.ArgumentParser()
    assert simulation.options is not None
    simulation.options(parser)
    return simulation.build(parser.parse_args([*argv, "--secret", GITHUB_WEBHOOK_SECRET]), TARGET)


def _send(client, delivery: simulate.Delivery):
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    return client.post(delivery.path, auth=None, body=delivery.body, headers=headers)


def test_simulated_push_pull_request_and_installation(client, tenant):
    installation = install(client, tenant)
    repo = installation["repositories"][0]["full_name"]
    assert repository_object(repo) == installation["repositories"][0]
    one, two = task(client, tenant, "One"), task(client, tenant, "Two")
    common = ("--installation", str(installation["installation_id"]), "--repo", repo)
    pushed = _send(client, _build("push", *common, "--message", f"Fixes {one['key']}"))
    assert pushed.status == 200, pushed.body
    assert client.get(f"/v1/tasks/{one['id']}", auth=tenant.key_auth).json()["status"] == "done"
    merged = _build("pull_request", *common, "--title", f"Closes {two['key']}", "--number", "3", "--merged")
    assert _send(client, merged).status == 200
    assert client.get(f"/v1/tasks/{two['key']}/github", auth=tenant.key_auth).json()["pull_requests"][0][
        "state"
    ] == ("merged")
    assert client.get(f"/v1/tasks/{two['id']}", auth=tenant.key_auth).json()["status"] == "done"
    made = task(client, tenant, "Three")
    number = client.post(
        f"/v1/tasks/{made['id']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
    )
    ref = number.json()["ref"]
    GITHUB.issues[repo][int(ref)]["title"] = "Three, renamed"
    renamed = _build("issues", *common, "--number", ref, "--title", "Three, renamed")
    assert _send(client, renamed).status == 200
    assert client.get(f"/v1/tasks/{made['id']}", auth=tenant.key_auth).json()["title"] == "Three, renamed"
    assert _send(client, _build("installation", *common, "--action", "deleted")).status == 200
    assert client.get("/v1/integrations/github/installation", auth=tenant.key_auth).status == 404
