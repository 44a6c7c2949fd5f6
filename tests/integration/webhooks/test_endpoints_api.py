"""POST/GET/PATCH/DELETE /v1/webhook-endpoints and rotate-secret: rules, bad input (a clear
problem, nothing changed), secrets shown once and kept encrypted, admin-level access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hearth.webhooks.engine import secrets
from tests.integration.webhooks.conftest import create_endpoint


def test_create_shows_the_secret_once_and_keeps_it_encrypted(client, tenant, receivers, admin_db):
    receiver = receivers()
    made = client.post(
        "/v1/webhook-endpoints",
        auth=tenant.key_auth,
        json_body={
            "url": receiver.url(),
            "description": "sync",
            "event_types": ["deal.*", "company.created"],
        },
    )
    assert made.status == 201, made.body
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["company.created", "deal.*"]
    assert (body["enabled"], body["disabled_reason"]) == (True, None)
    assert made.header("location") == f"/v1/webhook-endpoints/{body['id']}"
    assert made.header("etag") == '"1"'

    shown = client.get(f"/v1/webhook-endpoints/{body['id']}", auth=tenant.key_auth)
    listed = client.get("/v1/webhook-endpoints", auth=tenant.key_auth)
    for response in (shown, listed):
        assert response.status == 200
        assert "secret" not in response.body.decode().replace("secret_rotated_at", "").replace(
            "previous_secret_expires_at", ""
        )
        assert body["secret"] not in response.body.decode()

    row = admin_db.execute("SELECT * FROM webhook_endpoints WHERE id = %s", (body["id"],)).fetchone()
    stored = bytes(row["secret_ciphertext"])
    assert body["secret"].encode() not in stored
    assert body["secret"].split("_", 1)[1].encode() not in stored
    assert secrets.unseal(tenant.org_id, body["id"], stored) == body["secret"]
    audit = admin_db.execute(
        "SELECT changes::text AS changes FROM audit_logs WHERE resource_id = %s", (body["id"],)
    ).fetchall()
    assert audit
    assert all(body["secret"] not in a["changes"] for a in audit)


def test_the_secret_only_opens_for_its_own_endpoint_and_org(
    client, tenant, other_tenant, receivers, admin_db
):
    mine = create_endpoint(client, tenant, receivers().url())
    theirs = create_endpoint(client, other_tenant, receivers().url())
    blob = bytes(
        admin_db.execute(
            "SELECT secret_ciphertext FROM webhook_endpoints WHERE id = %s", (mine["id"],)
        ).fetchone()["secret_ciphertext"]
    )
    from hearth.crypto import DecryptionError

    for org, endpoint in ((other_tenant.org_id, mine["id"]), (tenant.org_id, theirs["id"])):
        try:
            secrets.unseal(org, endpoint, blob)
        except DecryptionError:
            continue
        raise AssertionError("a sealed secret opened in another context")


def test_bad_input_is_a_clear_problem_and_changes_nothing(client, tenant, receivers):
    url = receivers().url()
    cases = [
        ({}, "url"),
        ({"url": "ftp://files.example/x"}, "url"),
        ({"url": url, "event_types": []}, "event_types"),
        ({"url": url, "event_types": ["Deal.Won"]}, "event_types"),
        ({"url": url, "event_types": ["deal.*.won"]}, "event_types"),
        ({"url": url, "enabled": "sometimes"}, "enabled"),
        ({"url": url, "secret": "whsec_mine"}, "secret"),
    ]
    for payload, field in cases:
        response = client.post("/v1/webhook-endpoints", auth=tenant.key_auth, json_body=payload)
        assert response.status == 422, (payload, response.body)
        problem = response.json()
        assert response.header("content-type") == "application/problem+json"
        assert problem["request_id"]
        assert any(e["field"].startswith(field) for e in problem["errors"]), (payload, problem)
    assert client.get("/v1/webhook-endpoints", auth=tenant.key_auth).json()["data"] == []


def test_update_with_if_match_and_the_enabled_flag(client, tenant, receivers):
    endpoint = create_endpoint(client, tenant, receivers().url())
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    stale = client.patch(
        path, auth=tenant.key_auth, json_body={"description": "x"}, headers={"If-Match": '"7"'}
    )
    assert stale.status == 412
    assert client.get(path, auth=tenant.key_auth).json()["description"] is None

    off = client.patch(path, auth=tenant.key_auth, json_body={"enabled": False}, headers={"If-Match": '"1"'})
    assert off.status == 200, off.body
    assert (off.json()["enabled"], off.json()["disabled_reason"]) == (False, "manual")
    assert off.header("etag") == '"2"'
    on = client.patch(path, auth=tenant.key_auth, json_body={"enabled": True, "event_types": ["task.*"]})
    assert (on.json()["enabled"], on.json()["disabled_reason"], on.json()["event_types"]) == (
        True,
        None,
        ["task.*"],
    )
    cleared = client.patch(path, auth=tenant.key_auth, json_body={"description": None})
    assert cleared.status == 200
    refused = client.patch(path, auth=tenant.key_auth, json_body={"url": None})
    assert refused.status == 422
    assert client.patch(path, auth=tenant.key_auth, json_body={"colour": "red"}).status == 422


def test_delete_hides_the_endpoint_erases_its_secrets_and_keeps_its_log(client, tenant, receivers, admin_db):
    endpoint = create_endpoint(client, tenant, receivers().url())
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    assert client.delete(path, auth=tenant.key_auth).status == 204
    assert client.get(path, auth=tenant.key_auth).status == 404
    assert client.delete(path, auth=tenant.key_auth).status == 404
    assert client.post(f"{path}/rotate-secret", auth=tenant.key_auth).status == 404
    assert client.get("/v1/webhook-endpoints", auth=tenant.key_auth).json()["data"] == []
    row = admin_db.execute("SELECT * FROM webhook_endpoints WHERE id = %s", (endpoint["id"],)).fetchone()
    assert row["secret_ciphertext"] is None
    assert row["deleted_at"] is not None
    assert client.get(f"{path}/deliveries", auth=tenant.key_auth).status == 200


def test_rotation_keeps_the_previous_secret_for_24_hours(client, tenant, receivers):
    endpoint = create_endpoint(client, tenant, receivers().url())
    before = datetime.now(UTC)
    rotated = client.post(
        f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", auth=tenant.key_auth
    ).json()
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert (
        before + timedelta(hours=24) - timedelta(seconds=5)
        <= expires
        <= before + timedelta(hours=24, seconds=5)
    )
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth).json()
    assert shown["previous_secret_expires_at"] is not None
    assert rotated["secret"] not in str(shown)


def test_endpoints_and_deliveries_are_for_admins_and_owners(client, tenant, receivers):
    url = receivers().url()
    for role in ("member", "viewer"):
        user = client.add_member(tenant, role)
        for method, path, body in (
            ("GET", "/v1/webhook-endpoints", None),
            ("POST", "/v1/webhook-endpoints", {"url": url}),
            ("GET", "/v1/events", None),
        ):
            response = client.request(method, path, auth=user.auth, org=tenant.org_id, json_body=body)
            assert response.status == 403, (role, method, path)
    admin = client.add_member(tenant, "admin")
    made = client.post("/v1/webhook-endpoints", auth=admin.auth, org=tenant.org_id, json_body={"url": url})
    assert made.status == 201


def test_unknown_ids_are_404_problems(client, tenant):
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path in (
        ("GET", f"/v1/webhook-endpoints/{missing}"),
        ("PATCH", f"/v1/webhook-endpoints/{missing}"),
        ("DELETE", f"/v1/webhook-endpoints/{missing}"),
        ("GET", f"/v1/webhook-endpoints/{missing}/deliveries"),
        ("GET", f"/v1/webhook-deliveries/{missing}"),
        ("POST", f"/v1/webhook-deliveries/{missing}/retry"),
        ("GET", f"/v1/events/{missing}"),
    ):
        body = {"description": "x"} if method == "PATCH" else None
        response = client.request(method, path, auth=tenant.key_auth, json_body=body)
        assert response.status == 404, (method, path, response.body)
        assert response.header("content-type") == "application/problem+json"
