"""Malformed input is a 4xx problem, never a 500: tampered list cursors, bodies that are not UTF-8
JSON (or too large, too deeply nested, of another media type), and NUL characters (U+0000, which
PostgreSQL refuses in text) in query parameters and body fields — on every route, through the kit."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

import pytest

from hearth.http import intake
from tests.api_client import ApiClient, Tenant


def _cursor(values: Any) -> str:
    raw = values if isinstance(values, bytes) else json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _assert_problem(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.header("content-type") == "application/problem+json"
    doc = response.json()
    assert doc["status"] == status
    if field is None:
        assert doc["code"] == code, doc
    else:
        assert doc["code"] == "validation_failed", doc
        assert [(e["field"], e["code"]) for e in doc["errors"]] == [(field, code)], doc
    return dict(doc)


NOW = "2026-01-01T00:00:00+00:00"
ID = "00000000-0000-4000-8000-000000000000"

#: Each list, a sort it takes, and cursors for that sort that were not made by the list.
TAMPERED: dict[str, tuple[str, list[Any]]] = {
    "/v1/members": (
        "email",
        [["email", "a\u0000", ID], ["email", {"a": 1}, ID], ["email", "a", ["x"]], ["email", 5, ID]],
    ),
    "/v1/api-keys": (
        "name",
        [["name", "ci\u0000", ID], ["name", "ci", 12], ["name", "ci", {"$dt": 5}], ["name", True, ID]],
    ),
    "/v1/events": (
        "-occurred_at",
        [["-occurred_at", {"x": [1]}, ID], ["-occurred_at", NOW, True], ["-occurred_at", 1.5, ID]],
    ),
    "/v1/webhook-endpoints": (
        "url",
        [["url", "https://x.example\u0000", ID], ["url", [], ID], ["url", "https://x.example", None]],
    ),
    "/v1/audit-logs": (
        "-seq",
        [["-seq", True, ID], ["-seq", 2**70, ID], ["-seq", "1", ID], ["-seq", 1.0, ID]],
    ),
}


@pytest.mark.parametrize("path", sorted(TAMPERED))
def test_tampered_cursors_are_422_on_every_list(client: ApiClient, tenant: Tenant, path: str) -> None:
    sort, cursors = TAMPERED[path]
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    made = [_cursor(c) for c in cursors]
    made += [
        _cursor(b"[" * 3000 + b"]" * 3000),  # nested past the decoder's recursion limit
        _cursor([sort, NOW, ID] + [0] * 3000),  # longer than any cursor this API makes
        "not base64!",
        _cursor(b"\xff\xfe not json"),
    ]
    for cursor in made:
        response = client.get(path, query=f"sort={sort}&cursor={cursor}", **auth)
        _assert_problem(response, 422, "invalid_cursor", "cursor")


def test_a_real_cursor_still_pages(client: ApiClient, tenant: Tenant) -> None:
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    for i in range(3):
        assert client.post("/v1/companies", json_body={"name": f"Page {i}"}, **auth).status == 201
    first = client.get("/v1/companies", query="sort=name&limit=2", **auth).json()
    second = client.get("/v1/companies", query=f"sort=name&limit=2&cursor={first['next_cursor']}", **auth)
    assert second.status == 200, second.body
    assert [c["name"] for c in first["data"] + second.json()["data"]] == ["Page 0", "Page 1", "Page 2"]


# -- bodies -------------------------------------------------------------------------------------


def _writes(client: ApiClient) -> list[tuple[str, str]]:
    """Every route that takes a JSON body (POST, PUT, PATCH), with its path parameters filled
    in; provider webhooks (no authorizer) take the provider's bytes and check its signature."""
    routes = sorted(
        {
            (r.method, r.path)
            for fn in client.gateway.template.functions.values()
            for r in fn.routes
            if r.authorized  # provider webhooks answer their signature first (tests of the hook kit)
        }
    )
    return [
        (method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path))
        for method, path in routes
        if method in ("POST", "PUT", "PATCH")
    ]


def test_every_route_refuses_a_body_that_is_not_utf8_or_not_json(client: ApiClient, tenant: Tenant) -> None:
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    writes = _writes(client)
    assert len(writes) > 30
    for method, path in writes:
        not_utf8 = client.request(
            method, path, body=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}, **auth
        )
        _assert_problem(not_utf8, 400, "malformed_json")
        for media_type in ("text/plain", "multipart/form-data", "application/x-www-form-urlencoded"):
            other = client.request(
                method, path, body=b'{"name": "x"}', headers={"content-type": media_type}, **auth
            )
            _assert_problem(other, 415, "unsupported_media_type")


def test_json_media_types(client: ApiClient, tenant: Tenant) -> None:
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    body = json.dumps({"name": "Typed"}).encode()
    for media_type in ("application/json; charset=utf-8", "Application/JSON", None):
        headers = {"content-type": media_type} if media_type else {}
        made = client.post("/v1/companies", body=body, headers=headers, **auth)
        assert made.status == 201, (media_type, made.body)
    latin = client.post(
        "/v1/companies", body=body, headers={"content-type": "application/json; charset=latin-1"}, **auth
    )
    _assert_problem(latin, 415, "unsupported_media_type")


def test_deep_large_and_non_json_bodies_are_4xx(client: ApiClient, tenant: Tenant, admin_db: Any) -> None:
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    json_headers = {"content-type": "application/json"}
    deep = b"[" * 5000 + b"]" * 5000
    _assert_problem(
        client.post("/v1/companies", body=deep, headers=json_headers, **auth), 400, "body_too_deep"
    )
    nested: dict[str, Any] = {}
    inner = nested
    for _ in range(intake.MAX_DEPTH):
        inner["a"] = {}
        inner = inner["a"]
    too_deep = client.post("/v1/companies", json_body={"name": "Deep", "properties": nested}, **auth)
    _assert_problem(too_deep, 400, "body_too_deep")
    large = json.dumps({"name": "Large", "description": "x" * intake.MAX_BYTES}).encode()
    _assert_problem(
        client.post("/v1/companies", body=large, headers=json_headers, **auth), 413, "body_too_large"
    )
    for text in (b'{"name": NaN}', b'{"name": "x"', b"\xef\xbb\xbf{}"):
        _assert_problem(
            client.post("/v1/companies", body=text, headers=json_headers, **auth), 400, "malformed_json"
        )
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM companies WHERE org_id = %s", (tenant.org_id,)
        ).fetchone()["n"]
        == 0
    )


# -- NUL characters ---------------------------------------------------------------------------


def test_nul_in_a_body_field_is_422_naming_the_field(
    client: ApiClient, tenant: Tenant, admin_db: Any
) -> None:
    auth = {"auth": tenant.owner.auth, "org": tenant.org_id}
    cases = [
        ("POST", "/v1/companies", {"name": "Acme\u0000"}, "name"),
        ("PATCH", "/v1/orgs/current", {"name": "Org\u0000"}, "name"),
        (
            "POST",
            "/v1/companies/batch/create",
            {"items": [{"name": "ok"}, {"name": "\u0000"}]},
            "items.1.name",
        ),
        ("POST", "/v1/companies", {"name": "Acme", "properties": {"k\u0000": "v"}}, "properties.k\u0000"),
        ("POST", "/v1/webhook-endpoints", {"url": "https://hooks.example.com/\u0000"}, "url"),
    ]
    for method, path, body, field in cases:
        response = client.request(method, path, json_body=body, **auth)
        _assert_problem(response, 422, "nul_character", field)
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM companies WHERE org_id = %s", (tenant.org_id,)
        ).fetchone()["n"]
        == 0
    )


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/v1/members", "q=%00", "q"),
        ("/v1/companies", "q=acme%00", "q"),
        ("/v1/companies", "filter[name][contains]=%00", "filter[name][contains]"),
        ("/v1/events", "type=deal.%00", "type"),
        ("/v1/audit-logs", "action=x%00", "action"),
        ("/v1/api-keys", "sort=name%00", "sort"),
    ],
)
def test_nul_in_a_query_parameter_is_422_naming_it(
    client: ApiClient, tenant: Tenant, path: str, query: str, field: str
) -> None:
    response = client.get(path, query=query, auth=tenant.owner.auth, org=tenant.org_id)
    doc = _assert_problem(response, 422, "nul_character", field)
    assert doc["errors"][0]["in"] == "query"


def test_a_nul_in_the_user_agent_is_dropped_not_a_500(
    client: ApiClient, tenant: Tenant, admin_db: Any
) -> None:
    """The user agent is recorded with the audit row; a NUL in it is not the caller's field to fix."""
    made = client.post(
        "/v1/companies",
        json_body={"name": "Agent"},
        headers={"user-agent": "curl\u0000/8"},
        auth=tenant.owner.auth,
        org=tenant.org_id,
    )
    assert made.status == 201, made.body
    row = admin_db.execute(
        "SELECT user_agent FROM audit_logs WHERE org_id = %s AND resource_id = %s",
        (tenant.org_id, made.json()["id"]),
    ).fetchone()
    assert row["user_agent"].endswith("curl/8")
    assert "\x00" not in row["user_agent"]
