"""Integrations: provider credentials per org. Secrets are write-only (never in an answer or an
audit row), shown by their last four characters, sealed to their org and field; replacing the
signing secret keeps the old one for 24 hours; the provider test calls the provider through its
own SDK, pointed at the provider stand-ins (``hearth_dev.standins``: the documented resource and
error shapes, credentials checked as the provider checks them)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hearth_dev.standins import AnthropicStandIn, TwilioStandIn

from hearth import clock, crypto
from hearth.integrations import providers
from hearth.integrations.secrets import binding
from hearth.integrations.signing import signing_keys
from tests.conftest import ROOT, TWILIO, twilio_account


def sid(n: int) -> str:
    return "AC" + f"{n:032x}"


def token(n: int) -> str:
    return f"{n:04x}" + "c0ffee" * 4 + f"{n:04x}"


def twilio_body(account: str, auth: str) -> dict:
    return {"config": {"account_sid": account}, "secrets": {"auth_token": auth}}


def put(client, tenant, body, provider="twilio", **kw):
    return client.put(f"/v1/integrations/{provider}", auth=tenant.key_auth, json_body=body, **kw)


def listed(client, tenant) -> list[dict]:
    answer = client.get("/v1/integrations", auth=tenant.key_auth)
    assert answer.status == 200, answer.body
    return answer.json()["data"]


def audit_rows(admin_db, tenant, action_prefix="integration.") -> list[dict]:
    return admin_db.execute(
        "SELECT action, resource_id, changes FROM audit_logs WHERE org_id = %s AND action LIKE %s"
        " ORDER BY seq",
        (tenant.org_id, action_prefix + "%"),
    ).fetchall()


@pytest.fixture(autouse=True)
def twilio_accounts():
    """The accounts these tests claim, as Twilio knows them (the session's stand-in): account n's
    auth token is token(n)."""
    for n in range(100):
        twilio_account(sid(n), token(n))


@pytest.fixture
def provider_base(monkeypatch):
    """Point the providers' SDKs at a base URL (the settings are parsed once per process)."""

    def point(**bases: str) -> None:
        cfg = providers.settings().model_copy(update=bases)
        monkeypatch.setattr(providers, "settings", lambda: cfg)

    return point


# -- write-only secrets -------------------------------------------------------------------------


def test_secrets_are_write_only_and_shown_by_their_last_four(client, tenant, admin_db):
    secret = token(1)
    made = put(client, tenant, twilio_body(sid(1), secret))
    assert made.status == 201, made.body
    shown = made.json()
    assert shown["provider"] == "twilio"
    assert shown["account"] == sid(1)
    assert shown["config"] == {"account_sid": sid(1)}
    assert set(shown["secrets"]) == {"auth_token"}
    assert shown["secrets"]["auth_token"]["hint"] == "…" + secret[-4:]
    assert (shown["status"], shown["last_test"], shown["previous_signing_secret_valid_until"]) == (
        "untested",
        None,
        None,
    )
    assert made.header("etag") == f'"{shown["version"]}"'

    answers = [made, client.get("/v1/integrations", auth=tenant.key_auth)]
    answers.append(put(client, tenant, twilio_body(sid(1), token(2))))
    for answer in answers:
        assert secret not in answer.body.decode()
        assert token(2) not in answer.body.decode()
    assert listed(client, tenant)[0]["secrets"]["auth_token"]["hint"] == "…" + token(2)[-4:]

    # At rest: sealed (neither the value nor its hex is stored), bound to org, provider, field.
    row = admin_db.execute(
        "SELECT sealed, last4 FROM integration_secrets WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert secret.encode() not in bytes(row["sealed"])
    assert token(2).encode() not in bytes(row["sealed"])
    assert row["last4"] == token(2)[-4:]
    assert binding(tenant.org_id, "twilio", "auth_token").open(row["sealed"]) == token(2)

    # The audit rows name the fields that changed, never their values.
    rows = audit_rows(admin_db, tenant)
    assert [(r["action"], r["resource_id"]) for r in rows] == [("integration.put", "twilio")] * 2
    assert rows[0]["changes"] == {"created": True, "fields": ["config.account_sid", "secrets.auth_token"]}
    assert rows[1]["changes"] == {"created": False, "fields": ["secrets.auth_token"]}
    text = json.dumps([r["changes"] for r in rows])
    assert secret not in text
    assert token(2) not in text
    assert secret[-4:] not in text


def test_a_replacement_keeps_secrets_left_out_and_changes_nothing_when_nothing_changes(
    client, tenant, admin_db
):
    first = put(client, tenant, twilio_body(sid(3), token(3))).json()
    same = put(client, tenant, {"config": {"account_sid": sid(3)}})
    assert same.status == 200, same.body
    assert same.json()["version"] == first["version"]
    again = put(client, tenant, twilio_body(sid(3), token(3)))  # the same secret again: no rotation
    assert again.json()["version"] == first["version"]
    assert again.json()["previous_signing_secret_valid_until"] is None
    assert len(audit_rows(admin_db, tenant)) == 1
    assert [k.secret for k in signing_keys("twilio", sid(3))] == [token(3)]


def test_if_match_guards_a_replacement(client, tenant):
    first = put(client, tenant, twilio_body(sid(4), token(4))).json()
    stale = put(client, tenant, twilio_body(sid(4), token(5)), headers={"if-match": '"999"'})
    assert stale.status == 412, stale.body
    fresh = put(client, tenant, twilio_body(sid(4), token(5)), headers={"if-match": f'"{first["version"]}"'})
    assert fresh.status == 200, fresh.body
    assert fresh.json()["version"] == first["version"] + 1


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (twilio_body("AC123", token(6)), {("config.account_sid", "invalid_format")}),
        (twilio_body(sid(0xABC).upper(), token(6)), {("config.account_sid", "invalid_format")}),
        (twilio_body(sid(6), "short"), {("secrets.auth_token", "invalid_format")}),
        ({"config": {"account_sid": sid(6)}}, {("secrets.auth_token", "required")}),
        ({"secrets": {"auth_token": token(6)}}, {("config.account_sid", "required")}),
        (
            {"config": {"account_sid": sid(6), "region": "us1"}, "secrets": {"auth_token": token(6)}},
            {("config.region", "unknown_field")},
        ),
        (
            {"config": {"account_sid": sid(6)}, "secrets": {"auth_token": token(6), "api_key": "x"}},
            {("secrets.api_key", "unknown_field")},
        ),
    ],
)
def test_invalid_credentials_are_refused_and_change_nothing(client, tenant, admin_db, body, fields):
    refused = put(client, tenant, body)
    assert refused.status == 422, refused.body
    problem = refused.json()
    assert {(e["field"], e["code"]) for e in problem["errors"]} == fields
    assert token(6) not in refused.body.decode()
    assert listed(client, tenant) == []
    assert audit_rows(admin_db, tenant) == []
    assert signing_keys("twilio", sid(6)) == []


def test_a_refused_replacement_keeps_the_stored_credentials(client, tenant, admin_db):
    first = put(client, tenant, twilio_body(sid(7), token(7))).json()
    assert put(client, tenant, twilio_body("ACnope", token(8))).status == 422
    assert put(client, tenant, body={"config": {}, "secrets": {"auth_token": "nothex" * 6}}).status == 422
    assert listed(client, tenant) == [first]
    assert [k.secret for k in signing_keys("twilio", sid(7))] == [token(7)]
    assert len(audit_rows(admin_db, tenant)) == 1


def test_an_unknown_provider_is_a_404(client, tenant):
    for answer in (
        put(client, tenant, twilio_body(sid(9), token(9)), provider="pager"),
        client.delete("/v1/integrations/pager", auth=tenant.key_auth),
        client.post("/v1/integrations/pager/test", auth=tenant.key_auth),
    ):
        assert answer.status == 404, answer.body
        assert answer.json()["code"] == "provider_unknown"
    missing = client.delete("/v1/integrations/twilio", auth=tenant.key_auth)
    assert (missing.status, missing.json()["code"]) == (404, "integration_not_found")


def test_an_account_is_claimed_only_with_credentials_twilio_accepts(client, tenant, admin_db):
    refused = put(client, tenant, twilio_body(sid(11), token(12)))
    assert refused.status == 422, refused.body
    problem = refused.json()
    assert problem["code"] == "credentials_rejected"
    assert "20003" in problem["detail"]
    assert token(12) not in refused.body.decode()
    assert listed(client, tenant) == []
    assert signing_keys("twilio", sid(11)) == []
    assert audit_rows(admin_db, tenant) == []
    assert TWILIO.requests[0].path == f"/2010-04-01/Accounts/{sid(11)}.json"
    assert TWILIO.requests[0].status == 401


def test_one_provider_account_belongs_to_one_org(client, tenant, other_tenant):
    assert put(client, tenant, twilio_body(sid(10), token(10))).status == 201
    # Without the account's credentials, another org learns nothing (not even that it is taken).
    guessed = put(client, other_tenant, twilio_body(sid(10), token(11)))
    assert (guessed.status, guessed.json()["code"]) == (422, "credentials_rejected")
    # With them (it holds the account too), the account stays the first org's.
    taken = put(client, other_tenant, twilio_body(sid(10), token(10)))
    assert taken.status == 409, taken.body
    assert taken.json()["code"] == "integration_account_taken"
    assert tenant.org_id not in taken.body.decode()
    assert token(10) not in taken.body.decode()
    assert listed(client, other_tenant) == []
    assert [(k.secret, str(k.org_id)) for k in signing_keys("twilio", sid(10))] == [
        (token(10), tenant.org_id)
    ]


# -- roles ----------------------------------------------------------------------------------------


def test_members_cannot_read_or_change_integrations(client, tenant):
    put(client, tenant, twilio_body(sid(12), token(12)))
    member = client.add_member(tenant, "member")
    admin = client.add_member(tenant, "admin")
    as_member = {"auth": member.auth, "org": tenant.org_id}
    for answer in (
        client.get("/v1/integrations", **as_member),
        client.put("/v1/integrations/twilio", json_body=twilio_body(sid(12), token(13)), **as_member),
        client.post("/v1/integrations/twilio/test", **as_member),
        client.delete("/v1/integrations/twilio", **as_member),
    ):
        assert answer.status == 403, answer.body
        assert answer.json()["code"] == "permission_denied"
        assert token(12) not in answer.body.decode()
        assert sid(12) not in answer.body.decode()
    assert [k.secret for k in signing_keys("twilio", sid(12))] == [token(12)]
    seen = client.get("/v1/integrations", auth=admin.auth, org=tenant.org_id)
    assert seen.status == 200
    assert seen.json()["data"][0]["account"] == sid(12)


# -- rotation overlap and the signing keys ---------------------------------------------------------


def test_the_replaced_signing_secret_verifies_for_24_hours(client, tenant, other_tenant):
    now = datetime.now(UTC)
    with clock.frozen(now - timedelta(hours=23)):
        put(client, tenant, twilio_body(sid(20), token(20)))
        rotated = put(client, tenant, twilio_body(sid(20), token(21))).json()
    until = datetime.fromisoformat(rotated["previous_signing_secret_valid_until"])
    assert abs(until - (now + timedelta(hours=1))) < timedelta(seconds=5)
    keys = signing_keys("twilio", sid(20))
    assert [(k.secret, str(k.org_id)) for k in keys] == [
        (token(21), tenant.org_id),
        (token(20), tenant.org_id),
    ]

    # Rotated 25 hours ago: the previous secret no longer verifies anything.
    with clock.frozen(now - timedelta(hours=25)):
        twilio_account(sid(21), token(22))
        put(client, other_tenant, twilio_body(sid(21), token(22)))
        put(client, other_tenant, twilio_body(sid(21), token(23)))
    assert [k.secret for k in signing_keys("twilio", sid(21))] == [token(23)]
    # ... and the next rotation keeps the one it replaces, not the expired one.
    put(client, other_tenant, twilio_body(sid(21), token(24)))
    assert [k.secret for k in signing_keys("twilio", sid(21))] == [token(24), token(23)]


def test_a_new_account_ends_the_overlap(client, tenant):
    put(client, tenant, twilio_body(sid(25), token(25)))
    put(client, tenant, twilio_body(sid(25), token(26)))
    assert len(signing_keys("twilio", sid(25))) == 2
    twilio_account(sid(26), token(27))
    moved = put(client, tenant, twilio_body(sid(26), token(27))).json()
    assert moved["previous_signing_secret_valid_until"] is None
    assert signing_keys("twilio", sid(25)) == []
    assert [k.secret for k in signing_keys("twilio", sid(26))] == [token(27)]


def test_signing_keys_are_those_of_the_one_account_asked_for(client, tenant, other_tenant):
    put(client, tenant, twilio_body(sid(30), token(30)))
    put(client, other_tenant, twilio_body(sid(31), token(31)))
    put(client, tenant, {"secrets": {"api_key": "sk-ant-api03-" + "k" * 40}}, provider="anthropic")
    mine = signing_keys("twilio", sid(30))
    assert [(k.secret, k.org_id) for k in mine] == [(token(30), UUID(tenant.org_id))]
    theirs = signing_keys("twilio", sid(31))
    assert [(k.secret, k.org_id) for k in theirs] == [(token(31), UUID(other_tenant.org_id))]
    assert signing_keys("twilio", sid(32)) == []
    assert signing_keys("twilio", "") == []
    assert signing_keys("anthropic", sid(30)) == []  # no signing secret
    assert signing_keys("stripe", sid(30)) == []


def test_the_app_role_reaches_other_orgs_only_through_the_lookup(client, tenant, other_tenant, app_db):
    put(client, tenant, twilio_body(sid(33), token(33)))
    app_db.execute("SELECT set_config('app.org_id', %s, false)", (other_tenant.org_id,))
    assert app_db.execute("SELECT count(*) AS n FROM integrations").fetchone()["n"] == 0
    assert app_db.execute("SELECT count(*) AS n FROM integration_secrets").fetchone()["n"] == 0
    rows = app_db.execute("SELECT * FROM integration_signing_keys('twilio', %s)", (sid(33),)).fetchall()
    assert [set(r) for r in rows] == [{"org_id", "sealed", "previous_sealed"}]
    assert app_db.execute("SELECT * FROM integration_signing_keys('twilio', '%')").fetchall() == []


def test_a_sealed_secret_copied_to_another_org_or_field_does_not_open(client, tenant, other_tenant, admin_db):
    put(client, tenant, twilio_body(sid(40), token(40)))
    put(client, other_tenant, twilio_body(sid(41), token(41)))
    blob = admin_db.execute(
        "SELECT sealed FROM integration_secrets WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()["sealed"]
    with pytest.raises(crypto.DecryptionError):
        binding(other_tenant.org_id, "twilio", "auth_token").open(blob)
    with pytest.raises(crypto.DecryptionError):
        binding(tenant.org_id, "twilio", "api_key").open(blob)
    with pytest.raises(crypto.DecryptionError):
        binding(tenant.org_id, "anthropic", "auth_token").open(blob)
    admin_db.execute(
        "UPDATE integration_secrets SET sealed = %s WHERE org_id = %s", (blob, other_tenant.org_id)
    )
    with pytest.raises(crypto.DecryptionError):
        signing_keys("twilio", sid(41))


# -- delete ---------------------------------------------------------------------------------------


def test_delete_erases_the_credentials(client, tenant, admin_db):
    made = put(client, tenant, twilio_body(sid(50), token(50))).json()
    stale = client.delete("/v1/integrations/twilio", auth=tenant.key_auth, headers={"if-match": '"99"'})
    assert stale.status == 412
    gone = client.delete(
        "/v1/integrations/twilio", auth=tenant.key_auth, headers={"if-match": f'"{made["version"]}"'}
    )
    assert gone.status == 204, gone.body
    assert listed(client, tenant) == []
    assert signing_keys("twilio", sid(50)) == []
    left = admin_db.execute(
        "SELECT count(*) AS n FROM integration_secrets WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert left["n"] == 0
    assert [r["action"] for r in audit_rows(admin_db, tenant)] == ["integration.put", "integration.delete"]
    # The account is free again (its token rotated at Twilio meanwhile).
    twilio_account(sid(50), token(51))
    assert put(client, tenant, twilio_body(sid(50), token(51))).status == 201


# -- the provider test ---------------------------------------------------------------------------


def test_the_test_calls_twilio_with_the_stored_credentials(client, tenant, admin_db, provider_base):
    with TwilioStandIn({sid(60): token(60)}) as api:
        provider_base(twilio_api_base=api.url)
        put(client, tenant, twilio_body(sid(60), token(60)))
        tested = client.post("/v1/integrations/twilio/test", auth=tenant.key_auth)
        assert tested.status == 200, tested.body
        result = tested.json()
        assert (result["ok"], result["error"]) == (True, None)
        # The claim (PUT) and the test each fetched the account with its credentials.
        assert [(r.method, r.path, r.status) for r in api.requests] == [
            ("GET", f"/2010-04-01/Accounts/{sid(60)}.json", 200)
        ] * 2
        shown = listed(client, tenant)[0]
        assert shown["status"] == "ok"
        assert shown["last_test"] == {"ok": True, "error": None, "tested_at": result["tested_at"]}

        # A wrong token: Twilio's code and message, nothing of the token.
        put(client, tenant, twilio_body(sid(60), token(61)))
        assert listed(client, tenant)[0]["status"] == "untested"  # new credentials, not yet tested
        failed = client.post("/v1/integrations/twilio/test", auth=tenant.key_auth)
        assert failed.status == 200, failed.body
        assert failed.json()["ok"] is False
        assert failed.json()["error"] == {"code": "20003", "message": "Authenticate"}
        assert token(61) not in failed.body.decode()
        shown = listed(client, tenant)[0]
        assert (shown["status"], shown["last_test"]["error"]["code"]) == ("failed", "20003")
        assert [r.status for r in api.requests] == [401, 200, 200]  # newest first
    row = admin_db.execute(
        "SELECT test_error_code, test_error_message FROM integrations WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert (row["test_error_code"], row["test_error_message"]) == ("20003", "Authenticate")
    tests = [r for r in audit_rows(admin_db, tenant) if r["action"] == "integration.test"]
    assert [r["changes"] for r in tests] == [{"ok": True, "code": None}, {"ok": False, "code": "20003"}]


def test_an_unreachable_provider_is_a_failed_test(client, tenant, provider_base):
    put(client, tenant, twilio_body(sid(61), token(61)))
    with TwilioStandIn({}) as api:
        url = api.url  # closed once the block ends: nothing listens there
    provider_base(twilio_api_base=url)
    failed = client.post("/v1/integrations/twilio/test", auth=tenant.key_auth).json()
    assert failed["ok"] is False
    assert failed["error"]["code"] == "unreachable"


def test_provider_messages_are_sanitised():
    secret = token(70)
    text = f"bad token {secret} (prefix {secret[:8]})\n\x00 and more " + "x" * 400
    cleaned = providers.sanitised(text, [secret])
    assert secret not in cleaned
    assert secret[:8] not in cleaned
    assert "\n" not in cleaned
    assert "\x00" not in cleaned
    assert len(cleaned) <= 300


def test_routes_other_than_the_test_do_not_import_a_provider_sdk():
    script = (
        "import importlib.util, sys\n"
        "for name in ('list', 'put', 'delete', 'test'):\n"
        f"    path = {str(ROOT)!r} + f'/functions/platform/integrations/{{name}}.py'\n"
        "    spec = importlib.util.spec_from_file_location(f'route_{name}', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(m for m in ('twilio', 'anthropic') if m in sys.modules))\n"
    )
    env = {"HEARTH_STAGE": "test", "PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_lookup_runs_as_its_owner_with_a_pinned_search_path(admin_db):
    fn = admin_db.execute(
        "SELECT prosecdef, proowner::regrole::text AS owner, proconfig, proacl::text[] AS acl"
        " FROM pg_proc WHERE proname = 'integration_signing_keys'"
    ).fetchone()
    assert (fn["prosecdef"], fn["owner"]) == (True, "hearth_owner")
    assert fn["proconfig"] == ["search_path=pg_catalog, pg_temp"]
    grantees = {entry.split("=")[0] for entry in fn["acl"]}
    assert grantees == {"hearth_owner", "hearth_app"}  # not PUBLIC (an empty grantee)


def test_the_test_calls_anthropic_with_the_stored_key(client, tenant, provider_base):
    key, wrong = "sk-ant-api03-" + "a" * 40, "sk-ant-api03-" + "b" * 40
    with AnthropicStandIn(key) as api:
        provider_base(anthropic_base_url=api.url)
        made = put(client, tenant, {"secrets": {"api_key": key}}, provider="anthropic")
        assert made.status == 201, made.body
        assert (made.json()["account"], made.json()["secrets"]["api_key"]["hint"]) == (None, "…aaaa")
        tested = client.post("/v1/integrations/anthropic/test", auth=tenant.key_auth).json()
        assert (tested["ok"], tested["error"]) == (True, None)
        put(client, tenant, {"secrets": {"api_key": wrong}}, provider="anthropic")
        failed = client.post("/v1/integrations/anthropic/test", auth=tenant.key_auth)
        assert failed.json()["error"] == {"code": "authentication_error", "message": "invalid x-api-key"}
        assert wrong not in failed.body.decode()
        assert key not in failed.body.decode()
        assert [(r.path, r.status) for r in api.requests] == [("/v1/models", 401), ("/v1/models", 200)]
