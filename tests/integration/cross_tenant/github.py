"""Cross-tenant cases: the GitHub integration. One org's installation, repositories, task links
and issues are out of reach of another: the intruder's calls find nothing of the victim's and
change nothing of it; a delivery for the victim's installation touches only the victim."""

from __future__ import annotations

from tests.conftest import GITHUB
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case
from tests.integration.github.scenario import deliver, install, push, task

INSTALLATION = "/v1/integrations/github/installation"


@case("POST /v1/integrations/github/install")
def install_url(client, victim, intruder):
    victims = client.post("/v1/integrations/github/install", auth=victim.key_auth).json()
    answer = client.post("/v1/integrations/github/install", auth=intruder.key_auth)
    assert answer.status == 200
    assert_not_leaked(answer, victim.org_id, victims["state"])


@case("POST /v1/integrations/github/installation")
def link(client, victim, intruder):
    installation = install(client, victim)
    # The victim's state does not link anything to the intruder, nor does the victim's installation.
    state = client.post("/v1/integrations/github/install", auth=victim.key_auth).json()["state"]
    GITHUB.add_installation(installation["installation_id"] + 500, "fresh")
    stolen = client.post(
        INSTALLATION,
        auth=intruder.key_auth,
        json_body={"installation_id": installation["installation_id"] + 500, "state": state},
    )
    assert stolen.status == 422
    own_state = client.post("/v1/integrations/github/install", auth=intruder.key_auth).json()["state"]
    taken = client.post(
        INSTALLATION,
        auth=intruder.key_auth,
        json_body={"installation_id": installation["installation_id"], "state": own_state},
    )
    assert taken.status == 409
    assert_not_leaked(taken, victim.org_id, installation["repositories"][0]["full_name"])
    assert (
        client.get(INSTALLATION, auth=victim.key_auth).json()["installation_id"]
        == installation["installation_id"]
    )


@case("GET /v1/integrations/github/installation")
def get_installation(client, victim, intruder):
    installation = install(client, victim)
    answer = client.get(INSTALLATION, auth=intruder.key_auth)
    assert_hidden(answer, installation["installation_id"], victim.org_id)


@case("DELETE /v1/integrations/github/installation")
def unlink(client, victim, intruder):
    installation = install(client, victim)
    assert_hidden(
        client.request("DELETE", INSTALLATION, auth=intruder.key_auth), installation["installation_id"]
    )
    assert client.get(INSTALLATION, auth=victim.key_auth).status == 200


@case("GET /v1/integrations/github/repositories")
def repositories(client, victim, intruder):
    installation = install(client, victim)
    answer = client.get("/v1/integrations/github/repositories", auth=intruder.key_auth)
    assert_hidden(answer, installation["repositories"][0]["full_name"])


@case("GET /v1/tasks/{task_id}/github")
def task_github(client, victim, intruder):
    installation = install(client, victim)
    made = task(client, victim, "Victim task")
    deliver(client, "push", push(installation, f"work on {made['key']}"))
    task(client, intruder, "Intruder task")  # the intruder has a TASK-1 of its own
    assert_hidden(client.get(f"/v1/tasks/{made['id']}/github", auth=intruder.key_auth), "Victim task")
    mine = client.get(f"/v1/tasks/{made['key']}/github", auth=intruder.key_auth)
    assert mine.status == 200
    assert mine.json()["commits"] == []
    assert_not_leaked(mine, made["id"], installation["repositories"][0]["full_name"])


@case("POST /v1/tasks/{task_id}/github-issue")
def create_issue(client, victim, intruder):
    installation = install(client, victim)
    made = task(client, victim, "Victim task")
    repo = installation["repositories"][0]["full_name"]
    answer = client.post(
        f"/v1/tasks/{made['id']}/github-issue", auth=intruder.key_auth, json_body={"repository": repo}
    )
    assert_hidden(answer, "Victim task", repo)
    # The intruder's own task cannot reach the victim's repositories through the victim's installation.
    own = task(client, intruder, "Intruder task")
    install(client, intruder)
    refused = client.post(
        f"/v1/tasks/{own['id']}/github-issue", auth=intruder.key_auth, json_body={"repository": repo}
    )
    assert refused.status == 422
    assert GITHUB.issues.get(repo, {}) == {}


@case("POST /webhooks/github/events")
def webhook(client, victim, intruder):
    installation = install(client, victim)
    theirs = task(client, intruder, "Intruder task")  # TASK-1 in the intruder's org
    answer = deliver(client, "push", push(installation, f"fixes {theirs['key']}"))
    assert answer.status == 200
    got = client.get(f"/v1/tasks/{theirs['id']}", auth=intruder.key_auth).json()
    assert got["status"] == "open"
    assert got["version"] == theirs["version"]
    assert client.get(f"/v1/tasks/{theirs['id']}/github", auth=intruder.key_auth).json()["commits"] == []
