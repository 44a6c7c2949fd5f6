"""Cross-tenant cases: the data lifecycle. One org's exports, and its projects as export scopes,
are out of reach of another: ids are not found, lists hold only the caller's own, and an export
the intruder builds holds nothing of the victim. One org's retention overrides are its own:
another org neither sees nor changes them, and naming the other org with its own credential is
refused."""

from __future__ import annotations

import uuid

from hearth.lifecycle import export_worker
from hearth.lifecycle.export_worker import ExportMessage
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case

EXPORTS = "/v1/exports"


def _victim_export(client, victim) -> dict:
    asked = client.post(EXPORTS, auth=victim.key_auth, json_body={"scope": "org"})
    assert asked.status == 202, asked.body
    return asked.json()


@case("POST /v1/exports")
def create_export(client, victim, intruder):
    project = client.post("/v1/projects", auth=victim.key_auth, json_body={"name": "Victim project"}).json()
    asked = client.post(
        EXPORTS, auth=intruder.key_auth, json_body={"scope": "project", "project_id": project["id"]}
    )
    assert asked.status == 422, asked.body
    assert asked.json()["errors"][0]["field"] == "project_id"
    assert_not_leaked(asked, "Victim project", victim.org_id)
    # the intruder's own org export is queued in the intruder's org, and built without the victim
    own = client.post(EXPORTS, auth=intruder.key_auth, json_body={"scope": "org"})
    assert own.status == 202, own.body
    assert client.get(EXPORTS, auth=victim.key_auth).json()["data"] == []
    plan_outcome = export_worker.process(ExportMessage(uuid.UUID(victim.org_id), uuid.UUID(own.json()["id"])))
    assert plan_outcome == "done"  # the victim's org has no such export: nothing is built for it


@case("GET /v1/exports/{export_id}")
def get_export(client, victim, intruder):
    export = _victim_export(client, victim)
    assert_hidden(client.get(f"{EXPORTS}/{export['id']}", auth=intruder.key_auth), victim.org_id)


@case("GET /v1/exports")
def list_exports(client, victim, intruder):
    export = _victim_export(client, victim)
    listed = client.get(EXPORTS, auth=intruder.key_auth, query=f"filter[id]={export['id']}")
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(client.get(EXPORTS, auth=intruder.key_auth), export["id"], victim.org_id)


@case("DELETE /v1/orgs/current")
def delete_org(client, victim, intruder):
    victim_org = client.get("/v1/orgs/current", **victim.as_owner)
    deleting = client.delete(
        "/v1/orgs/current",
        auth=intruder.owner.auth,
        org=victim.org_id,
        headers={"if-match": victim_org.header("etag")},
        json_body={"confirm_name": victim_org.json()["name"]},
    )
    assert deleting.status == 403, deleting.body
    assert_not_leaked(deleting, victim_org.json()["name"])
    assert client.get("/v1/companies", auth=victim.key_auth).status == 200  # the victim's org stands


@case("POST /v1/orgs/current/restore")
def restore_org(client, victim, intruder):
    victim_org = client.get("/v1/orgs/current", **victim.as_owner)
    deleted = client.delete(
        "/v1/orgs/current",
        **victim.as_owner,
        headers={"if-match": victim_org.header("etag")},
        json_body={"confirm_name": victim_org.json()["name"]},
    )
    assert deleted.status == 202, deleted.body
    restoring = client.post("/v1/orgs/current/restore", auth=intruder.owner.auth, org=victim.org_id)
    assert restoring.status == 403
    assert client.get("/v1/companies", auth=victim.key_auth).status == 403  # still deleted
    assert client.post("/v1/orgs/current/restore", **victim.as_owner).status == 200


@case("DELETE /v1/users/me")
def delete_user(client, victim, intruder):
    """Deleting an account acts on the caller alone: an intruder who also belongs to nothing of
    the victim's leaves the victim's org, members and keys as they were."""
    leaver = client.new_user("leaver")
    client.join(intruder, leaver, "member")
    members_before = client.get("/v1/members", **victim.as_owner).json()["data"]
    assert client.delete("/v1/users/me", auth=leaver.auth, org=victim.org_id).status == 403  # not theirs
    deleted = client.delete("/v1/users/me", auth=leaver.auth)
    assert deleted.status == 200, deleted.body
    assert deleted.json()["orgs_left"] == [intruder.org_id]
    assert_not_leaked(deleted, victim.org_id)
    assert client.get("/v1/members", **victim.as_owner).json()["data"] == members_before
    assert client.get("/v1/companies", auth=victim.key_auth).status == 200


@case("POST /v1/projects/{project_id}/purge")
def purge_project(client, victim, intruder):
    project = client.post("/v1/projects", auth=victim.key_auth, json_body={"name": "Victim project"}).json()
    assert client.delete(f"/v1/projects/{project['id']}", auth=victim.key_auth).status == 204
    assert_hidden(
        client.post(f"/v1/projects/{project['id']}/purge", auth=intruder.key_auth), "Victim project"
    )
    restored = client.post(f"/v1/projects/{project['id']}/restore", auth=victim.key_auth)
    assert restored.status == 200, restored.body  # still there, only soft-deleted


RETENTION = "/v1/orgs/current/retention"
YEAR = 365 * 86400


def _audit(client, who) -> dict:
    kinds = client.get(RETENTION, auth=who.key_auth).json()["kinds"]
    return next(k for k in kinds if k["kind"] == "audit")


@case("GET /v1/orgs/current/retention", "PUT /v1/orgs/current/retention")
def retention(client, victim, intruder):
    body = {"overrides": [{"kind": "audit", "seconds": YEAR}]}
    assert client.put(RETENTION, auth=victim.key_auth, json_body=body).status == 200
    assert _audit(client, victim)["seconds"] == YEAR
    seen = _audit(client, intruder)
    assert (seen["seconds"], seen["overridden"]) == (seen["default_seconds"], False)
    own = {"overrides": [{"kind": "audit", "seconds": 2 * YEAR}]}
    assert client.put(RETENTION, auth=intruder.key_auth, json_body=own).status == 200
    assert _audit(client, victim)["seconds"] == YEAR
    refused = client.put(RETENTION, auth=intruder.key_auth, json_body=own, org=victim.org_id)
    assert refused.status == 403
    assert client.get(RETENTION, auth=intruder.key_auth, org=victim.org_id).status == 403
    assert _audit(client, victim)["seconds"] == YEAR
