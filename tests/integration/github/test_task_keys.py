"""Human task keys: a per-org sequence, a settable prefix, keys accepted wherever a task id is."""

from __future__ import annotations

from tests.integration.github.scenario import set_prefix, task


def test_tasks_are_numbered_per_org_and_shown_with_the_org_prefix(client, tenant, other_tenant):
    first, second = task(client, tenant, "One"), task(client, tenant, "Two")
    elsewhere = task(client, other_tenant, "Other")
    assert (first["number"], first["key"]) == (1, "TASK-1")
    assert (second["number"], second["key"]) == (2, "TASK-2")
    assert (elsewhere["number"], elsewhere["key"]) == (1, "TASK-1")  # each org counts its own
    set_prefix(client, tenant, "HRT")
    got = client.get("/v1/tasks/HRT-2", auth=tenant.key_auth)
    assert got.status == 200, got.body
    assert got.json()["id"] == second["id"]
    assert got.json()["key"] == "HRT-2"
    listed = client.get("/v1/tasks", auth=tenant.key_auth, query="sort=number").json()["data"]
    assert [t["key"] for t in listed] == ["HRT-1", "HRT-2"]
    # The old prefix names nothing now; the other org's keys are its own.
    assert client.get("/v1/tasks/TASK-2", auth=tenant.key_auth).status == 404
    assert client.get("/v1/tasks/TASK-1", auth=other_tenant.key_auth).json()["id"] == elsewhere["id"]


def test_a_key_works_for_update_delete_and_restore(client, tenant):
    made = task(client, tenant, "Keyed")
    changed = client.request(
        "PATCH", f"/v1/tasks/{made['key']}", auth=tenant.key_auth, json_body={"status": "done"}
    )
    assert changed.status == 200, changed.body
    assert changed.json()["status"] == "done"
    assert client.request("DELETE", f"/v1/tasks/{made['key']}", auth=tenant.key_auth).status == 204
    assert client.get(f"/v1/tasks/{made['key']}", auth=tenant.key_auth).status == 404
    restored = client.post(f"/v1/tasks/{made['key']}/restore", auth=tenant.key_auth)
    assert restored.status == 200, restored.body
    assert restored.json()["number"] == made["number"]


def test_numbers_are_not_reused_and_not_chosen(client, tenant):
    first = task(client, tenant)
    refused = client.post("/v1/tasks", auth=tenant.key_auth, json_body={"title": "x", "number": 99})
    assert refused.status == 422  # not an input
    client.request("DELETE", f"/v1/tasks/{first['id']}", auth=tenant.key_auth)
    assert task(client, tenant)["number"] == 2


def test_bad_prefixes_and_keys_are_refused(client, tenant):
    for prefix in ("h", "hrt", "1AB", "TOOLONGPREFIX", "A-B"):
        answer = client.request(
            "PATCH", "/v1/orgs/current", auth=tenant.key_auth, json_body={"task_key_prefix": prefix}
        )
        assert answer.status == 422, (prefix, answer.body)
        assert answer.header("content-type") == "application/problem+json"
    assert client.get("/v1/orgs/current", auth=tenant.key_auth).json()["task_key_prefix"] == "TASK"
    for ref in ("TASK-0", "TASK-01", "task-1", "TASK-1a"):
        assert client.get(f"/v1/tasks/{ref}", auth=tenant.key_auth).status in (404, 422), ref
    assert client.get("/v1/tasks/TASK-999", auth=tenant.key_auth).status == 404
