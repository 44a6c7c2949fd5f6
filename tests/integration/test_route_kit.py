"""What the route kit gives every route: errors, auth context, rate limits, idempotency, ETags,
org selection, logs and metrics."""

from __future__ import annotations

import io
import json
import logging
import threading

import psycopg
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.gateway import Gateway
from hearth_dev.sam.samples import api_sample
from hearth_dev.sam.template import load_template

from hearth.auth import tokens
from tests.api_client import ApiClient
from tests.conftest import ROOT

TEMPLATE = load_template(ROOT)


def _problem(response, status, code):
    assert response.status == status, response.body
    assert response.header("content-type") == "application/problem+json"
    doc = response.json()
    assert doc["status"] == status
    assert doc["code"] == code
    assert doc["type"] == f"urn:hearth:problem:{code}"
    assert doc["title"]
    assert doc["request_id"] == response.header("x-request-id")
    return doc


def test_malformed_json_is_a_400(client, tenant):
    response = client.post(
        "/v1/api-keys", **tenant.as_owner, body=b'{"name": ', headers={"content-type": "application/json"}
    )
    _problem(response, 400, "malformed_json")


def test_invalid_fields_are_a_422_naming_each_field_and_change_nothing(client, tenant, admin_db):
    before = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    response = client.post(
        "/v1/api-keys",
        **tenant.as_owner,
        json_body={"name": "", "role": "emperor", "expires_at": "2000-01-01T00:00:00Z", "x": 1},
    )
    doc = _problem(response, 422, "validation_failed")
    fields = {e["field"]: e for e in doc["errors"]}
    assert set(fields) == {"name", "role", "expires_at", "x"}
    assert fields["name"]["pointer"] == "/name"
    assert fields["name"]["in"] == "body"
    assert all(e["message"] for e in doc["errors"])
    after = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert after == before
    bad_query = client.get("/v1/members", auth=tenant.key_auth, query="limit=0")
    assert _problem(bad_query, 422, "validation_failed")["errors"][0]["in"] == "query"
    bad_path = client.patch("/v1/members/not-a-uuid", **tenant.as_owner, json_body={"role": "viewer"})
    assert _problem(bad_path, 422, "validation_failed")["errors"][0]["in"] == "path"


def test_a_route_invoked_without_an_authorizer_context_is_a_401():
    fn = TEMPLATE.routes()["GET /v1/orgs/current"]
    event = api_sample(fn)
    del event["requestContext"]["authorizer"]
    response = invoke(fn, event)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["code"] == "unauthenticated"


def test_no_org_named_is_a_400(client):
    user = client.new_user()
    response = client.get("/v1/members", auth=user.auth)
    _problem(response, 400, "org_required")


def test_a_500_shows_nothing_internal(client, tenant, monkeypatch):
    from hearth.orgs import logic

    def explode(ctx):
        raise ValueError("connection string postgresql://secret@db/internal")

    monkeypatch.setattr(logic, "get_current", explode)
    response = client.get("/v1/orgs/current", auth=tenant.key_auth)
    doc = _problem(response, 500, "internal_error")
    assert "secret" not in response.body.decode()
    assert "ValueError" not in response.body.decode()
    assert doc["detail"] == "Something went wrong on our side."


def test_database_outage_is_a_503_with_retry_after(client, tenant, monkeypatch):
    from hearth.orgs import store

    def down(conn):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(store, "current", down)
    response = client.get("/v1/orgs/current", auth=tenant.key_auth)
    _problem(response, 503, "database_unavailable")
    assert response.header("retry-after") == "1"


def _fresh_windows(admin_db, tenant, *users):
    admin_db.execute("DELETE FROM rate_limit_counters WHERE org_id = %s", (tenant.org_id,))
    admin_db.execute(
        "DELETE FROM user_rate_counters WHERE user_id = ANY(%s::uuid[])", ([u.user_id for u in users],)
    )


def test_rate_limit_headers_and_429(client, tenant, admin_db):
    member = client.add_member(tenant, "member")
    admin_db.execute("UPDATE orgs SET plan = 'tiny' WHERE id = %s", (tenant.org_id,))  # 3 per minute
    _fresh_windows(admin_db, tenant, tenant.owner, member)
    remaining = []
    for _ in range(3):
        ok = client.get("/v1/orgs/current", auth=tenant.key_auth)
        assert ok.status == 200
        assert ok.header("ratelimit-limit") == "3"
        remaining.append(int(ok.header("ratelimit-remaining")))
        assert 1 <= int(ok.header("ratelimit-reset")) <= 60
    assert remaining == [2, 1, 0]
    limited = client.get("/v1/orgs/current", auth=tenant.key_auth)
    doc = _problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.header("retry-after")) <= 60
    assert limited.header("ratelimit-remaining") == "0"
    assert "3 requests" in doc["detail"]
    # A key counts under the user who created it as well: the owner's own session shares the
    # owner's window, while another user's credential has a window of its own.
    owner = client.get("/v1/orgs/current", auth=tenant.owner.auth, org=tenant.org_id)
    assert "across all orgs" in _problem(owner, 429, "rate_limited")["detail"]
    other = client.get("/v1/orgs/current", auth=member.auth, org=tenant.org_id)
    assert other.status == 200
    assert other.header("ratelimit-remaining") == "2"


def test_idempotency_key_replays_and_refuses_reuse(client, tenant, admin_db):
    headers = {"idempotency-key": "create-ci-key-1"}
    first = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "ci"}, headers=headers)
    again = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "ci"}, headers=headers)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    assert again.header("idempotent-replayed") == "true"
    assert first.header("idempotent-replayed") is None
    count = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s AND name = 'ci'", (tenant.org_id,)
    ).fetchone()
    assert count["n"] == 1
    reused = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "other"}, headers=headers)
    _problem(reused, 422, "idempotency_key_reused")
    # Keys are scoped to the credential: the same key from another credential is a new request.
    admin = client.add_member(tenant, "admin")
    other = client.post(
        "/v1/api-keys", auth=admin.auth, org=tenant.org_id, json_body={"name": "ci"}, headers=headers
    )
    assert other.status == 201
    assert other.json()["id"] != first.json()["id"]
    too_long = client.post(
        "/v1/api-keys", **tenant.as_owner, json_body={"name": "x"}, headers={"idempotency-key": "k" * 300}
    )
    _problem(too_long, 400, "invalid_idempotency_key")


def test_idempotency_key_in_flight_is_a_409(client, tenant, database):
    key = "in-flight-1"
    credential = f"user:{tenant.owner.user_id}"
    with psycopg.connect(database["admin"], autocommit=True) as holder:
        holder.execute(
            "SELECT pg_advisory_lock(hashtextextended(%s, 0))", (f"{tenant.org_id}:{credential}:{key}",)
        )
        busy = client.post(
            "/v1/api-keys", **tenant.as_owner, json_body={"name": "x"}, headers={"idempotency-key": key}
        )
        _problem(busy, 409, "idempotency_key_in_use")
        holder.execute("SELECT pg_advisory_unlock_all()")
    done = client.post(
        "/v1/api-keys", **tenant.as_owner, json_body={"name": "x"}, headers={"idempotency-key": key}
    )
    assert done.status == 201


def test_concurrent_posts_with_one_key_execute_once(client, tenant, admin_db):
    results = []
    barrier = threading.Barrier(4)

    def post():
        barrier.wait()
        results.append(
            client.post(
                "/v1/api-keys",
                **tenant.as_owner,
                json_body={"name": "race"},
                headers={"idempotency-key": "race-1"},
            )
        )

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results)
    assert set(statuses) <= {201, 409}
    created = {r.json()["id"] for r in results if r.status == 201}
    assert len(created) == 1
    count = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s AND name = 'race'", (tenant.org_id,)
    ).fetchone()
    assert count["n"] == 1


def test_etag_and_if_match(client, tenant):
    current = client.get("/v1/orgs/current", auth=tenant.key_auth)
    etag = current.header("etag")
    assert etag == f'"{current.json()["version"]}"'
    updated = client.patch(
        "/v1/orgs/current", auth=tenant.key_auth, json_body={"name": "Acme 2"}, headers={"if-match": etag}
    )
    assert updated.status == 200
    assert updated.header("etag") != etag
    stale = client.patch(
        "/v1/orgs/current", auth=tenant.key_auth, json_body={"name": "Acme 3"}, headers={"if-match": etag}
    )
    _problem(stale, 412, "stale_version")
    assert stale.header("etag") == updated.header("etag")
    assert client.get("/v1/orgs/current", auth=tenant.key_auth).json()["name"] == "Acme 2"
    _problem(
        client.patch(
            "/v1/orgs/current",
            auth=tenant.key_auth,
            json_body={"name": "x"},
            headers={"if-match": "yesterday"},
        ),
        400,
        "invalid_if_match",
    )
    assert (
        client.patch(
            "/v1/orgs/current", auth=tenant.key_auth, json_body={"name": "Acme 4"}, headers={"if-match": "*"}
        ).status
        == 200
    )


def test_org_selection_is_safe_under_the_authorizer_cache(client, tenant, other_tenant):
    cached = ApiClient(Gateway(TEMPLATE, authorizer_cache=True))
    user = client.add_member(tenant, "viewer")
    client.join(other_tenant, user, "admin")
    first = cached.get("/v1/orgs/current", auth=user.auth, org=tenant.org_id)
    assert first.json()["id"] == tenant.org_id
    assert first.json()["role"] == "viewer"
    # Same token (cached authorizer result for the first org), another org named:
    second = cached.get("/v1/orgs/current", auth=user.auth, org=other_tenant.org_id)
    assert second.status == 200
    assert second.json()["id"] == other_tenant.org_id
    assert second.json()["role"] == "admin"
    stranger_org = client.new_tenant("Elsewhere").org_id
    third = cached.get("/v1/orgs/current", auth=user.auth, org=stranger_org)
    _problem(third, 403, "not_a_member")
    none = cached.get("/v1/orgs/current", auth=user.auth)
    _problem(none, 400, "org_required")
    scoped = tokens.mint_dev_token(user.subject, org_id=tenant.org_id)
    assert cached.get("/v1/orgs/current", auth=f"Bearer {scoped}").json()["id"] == tenant.org_id
    crossed = cached.get("/v1/orgs/current", auth=f"Bearer {scoped}", org=other_tenant.org_id)
    _problem(crossed, 403, "wrong_org")
    key_elsewhere = cached.get("/v1/orgs/current", auth=tenant.key_auth, org=other_tenant.org_id)
    assert key_elsewhere.status == 403


def test_every_log_line_carries_the_request_id_and_org(client, tenant):
    from hearth.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    level = logger.log_level
    logger.setLevel("INFO")
    try:
        response = client.get("/v1/orgs/current", auth=tenant.key_auth)
    finally:
        logger.setLevel(level)
        logger._logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    route_lines = [line for line in lines if line.get("route") == "GET /v1/orgs/current"]
    assert route_lines
    for line in route_lines:
        assert line["correlation_id"] == response.header("x-request-id")
        assert line["org_id"] == tenant.org_id


def test_each_request_emits_metrics_with_the_org_as_a_dimension(capsys, monkeypatch):
    from hearth.observability import emit_request_metrics

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    emit_request_metrics("GET /v1/orgs/current", "org-123", 200, 0.012)
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["org_id"] == "org-123"
    assert record["route"] == "GET /v1/orgs/current"
    assert record["Requests"] == [1.0]
    assert record["ServerErrors"] == [0.0]
    metrics = {m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert metrics == {"Requests", "ServerErrors", "ClientErrors", "Latency"}
    assert ["route", "org_id", "service"] in [
        sorted(d, key=["route", "org_id", "service"].index)
        for d in record["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    ]


def test_unknown_routes_and_missing_credentials_answer_like_api_gateway(client, tenant):
    unknown = client.get("/v1/no-such-thing", auth=tenant.key_auth)
    assert (unknown.status, unknown.json()) == (404, {"message": "Not Found"})
    wrong_method = client.put("/v1/members", auth=tenant.key_auth, json_body={})
    assert wrong_method.status == 404
    anonymous = client.get("/v1/members", auth=None)
    assert (anonymous.status, anonymous.json()) == (401, {"message": "Unauthorized"})


def test_failed_requests_count_and_change_nothing(client, tenant, admin_db):
    """The count is committed on its own, ahead of the route's transaction: a request that fails
    validation, or whose route fails, still counts, while its own writes are rolled back."""
    admin_db.execute("DELETE FROM rate_limit_counters WHERE org_id = %s", (tenant.org_id,))
    keys_before = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": ""}).status == 422
    assert (
        client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "x", "role": "nope"}).status == 422
    )
    hits = admin_db.execute(
        "SELECT sum(hits) AS n FROM rate_limit_counters WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert hits["n"] == 2
    keys_after = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert keys_after == keys_before


def test_a_route_that_fails_after_writing_leaves_nothing_behind(client, tenant, admin_db, monkeypatch):
    from hearth.api_keys import logic

    original = logic.create

    def create_then_fail(ctx, body):
        original(ctx, body)
        raise RuntimeError("failure after the insert")

    monkeypatch.setattr(logic, "create", create_then_fail)
    response = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "ghost"})
    assert response.status == 500
    ghosts = admin_db.execute(
        "SELECT count(*) AS n FROM api_keys WHERE org_id = %s AND name = 'ghost'", (tenant.org_id,)
    ).fetchone()
    assert ghosts["n"] == 0
    audit_rows = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s AND changes->>'name' = 'ghost'",
        (tenant.org_id,),
    ).fetchone()
    assert audit_rows["n"] == 0
