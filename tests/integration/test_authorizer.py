"""The authorizer: what it lets through, and everything it denies."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.samples import authorizer_sample
from hearth_dev.sam.template import load_template

from hearth.auth import authorizer, tokens
from hearth.settings import settings
from tests.conftest import DEV_SECRET, ROOT
from tests.identity_provider import jwk, rsa_key, serving_jwks

ISSUER, AUDIENCE = "hearth-local", "hearth"


@pytest.fixture(scope="module")
def idp():
    """An identity provider on loopback: its JWKS document served over real HTTP."""
    key = rsa_key()
    jwks = {"keys": [jwk(key, "key-1")]}
    with serving_jwks(lambda: jwks, "/.well-known/jwks.json") as served:
        yield {"key": key, "url": served.url, "hits": served.hits}


@pytest.fixture
def with_jwks(idp, monkeypatch):
    monkeypatch.setenv("HEARTH_JWKS_URL", idp["url"])
    settings.cache_clear()
    tokens._jwks_client.cache_clear()
    yield idp
    monkeypatch.delenv("HEARTH_JWKS_URL")
    settings.cache_clear()
    tokens._jwks_client.cache_clear()


def _rs256(key, kid="key-1", **overrides) -> str:
    now = int(time.time())
    claims = {
        "sub": f"idp|{uuid.uuid4().hex[:8]}",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "email": f"{uuid.uuid4().hex[:8]}@example.com",
    }
    claims.update(overrides)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid}
    )


def _hs256(secret=DEV_SECRET, **overrides) -> str:
    now = int(time.time())
    claims = {
        "sub": f"dev|{uuid.uuid4().hex[:8]}",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


def _reason(token: str, **headers: str) -> str:
    with pytest.raises(authorizer.Denied) as denied:
        authorizer.authorize({"authorization": f"Bearer {token}", **headers})
    return denied.value.reason


def test_rs256_token_verified_against_the_providers_jwks(with_jwks):
    token = _rs256(with_jwks["key"], sub="idp|alice", email="alice@example.com")
    principal = authorizer.authorize({"authorization": f"Bearer {token}"})
    assert principal.kind == "user"
    assert principal.org_id is None
    # Keys are cached per execution environment: a second token does not fetch the JWKS again.
    fetched = len(with_jwks["hits"])
    authorizer.authorize({"authorization": f"Bearer {_rs256(with_jwks['key'])}"})
    assert len(with_jwks["hits"]) == fetched


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token_expired"),
        ({"nbf": int(time.time()) + 600}, "token_not_yet_valid"),
        ({"iss": "https://evil.example.com"}, "wrong_issuer"),
        ({"aud": "someone-else"}, "wrong_audience"),
        ({"exp": None}, "invalid_token"),
        ({"sub": None}, "invalid_token"),
    ],
)
def test_rs256_claims_are_checked(with_jwks, overrides, reason):
    assert _reason(_rs256(with_jwks["key"], **overrides)) == reason


def test_rs256_signed_by_another_key_is_denied(with_jwks):
    impostor = rsa_key()
    assert _reason(_rs256(impostor, kid="key-1")) == "bad_signature"
    assert _reason(_rs256(impostor, kid="unknown-kid")) == "unknown_signing_key"


def test_alg_none_and_algorithm_confusion_are_denied(with_jwks):
    unsigned = jwt.encode(
        {"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60}, None, algorithm="none"
    )
    assert _reason(unsigned) == "algorithm_not_allowed"
    # HS256 "signed" with the provider's public key: must not be accepted as the provider's token.
    public_pem = (
        with_jwks["key"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(
        json.dumps({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60}).encode()
    ).rstrip(b"=")
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(
        hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    ).rstrip(b"=")
    assert _reason((header + b"." + payload + b"." + signature).decode()) == "bad_signature"
    assert _reason(_rs256(with_jwks["key"]).replace("eyJ", "eyX", 1)) == "malformed_token"


def test_hs256_dev_tokens(client):
    assert authorizer.authorize({"authorization": f"Bearer {_hs256()}"}).kind == "user"
    assert _reason(_hs256(secret="x" * 40)) == "bad_signature"
    assert _reason(_hs256(exp=int(time.time()) - 60)) == "token_expired"


def test_hs256_is_refused_when_no_dev_secret_is_configured(monkeypatch):
    monkeypatch.delenv("HEARTH_JWT_DEV_SECRET")
    settings.cache_clear()
    try:
        assert _reason(_hs256()) == "algorithm_not_allowed"
    finally:
        monkeypatch.setenv("HEARTH_JWT_DEV_SECRET", DEV_SECRET)
        settings.cache_clear()


def test_missing_and_malformed_credentials(client):
    for headers in ({}, {"authorization": "Basic abc"}, {"authorization": "Bearer "}):
        with pytest.raises(authorizer.Denied, match="missing_credentials"):
            authorizer.authorize(headers)
    assert _reason("hk_short") == "malformed_api_key"
    assert _reason("hk_" + "A" * 40) == "unknown_api_key"
    assert _reason(_hs256(), **{"x-hearth-org": "not-a-uuid"}) == "malformed_org_header"


def test_a_user_who_is_not_a_member_of_the_org_is_denied(client, tenant):
    stranger = client.new_user("stranger")
    assert _reason(stranger.token, **{"x-hearth-org": tenant.org_id}) == "not_a_member"
    claim = tokens.mint_dev_token(stranger.subject, org_id=tenant.org_id)
    assert _reason(claim) == "not_a_member"
    # Through the gateway the denial is API Gateway's own 403.
    response = client.get("/v1/orgs/current", auth=stranger.auth, org=tenant.org_id)
    assert response.status == 403
    assert response.json() == {"message": "Forbidden"}


def test_org_claim_and_header_must_agree(client, tenant, other_tenant):
    token = tokens.mint_dev_token(tenant.owner.subject, org_id=tenant.org_id)
    principal = authorizer.authorize({"authorization": f"Bearer {token}"})
    assert str(principal.org_id) == tenant.org_id
    assert principal.role == "owner"
    assert _reason(token, **{"x-hearth-org": other_tenant.org_id}) == "org_header_contradicts_token"


def test_revoked_and_expired_api_keys_are_denied(client, tenant, admin_db):
    made = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "short-lived", "role": "viewer"})
    secret, key_id = made.json()["secret"], made.json()["id"]
    assert authorizer.authorize({"authorization": f"Bearer {secret}"}).role == "viewer"
    admin_db.execute("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s", (key_id,))
    assert _reason(secret) == "api_key_expired"
    admin_db.execute("UPDATE api_keys SET expires_at = NULL WHERE id = %s", (key_id,))
    assert client.delete(f"/v1/api-keys/{key_id}", auth=tenant.key_auth).status == 204
    assert _reason(secret) == "api_key_revoked"
    assert client.get("/v1/orgs/current", auth=f"Bearer {secret}").status == 403


def test_an_api_key_belongs_to_one_org_and_records_its_use(client, tenant, other_tenant, admin_db):
    assert _reason(tenant.api_key, **{"x-hearth-org": other_tenant.org_id}) == "api_key_wrong_org"
    admin_db.execute("UPDATE api_keys SET last_used_at = NULL WHERE id = %s", (tenant.api_key_id,))
    authorizer.authorize({"authorization": tenant.key_auth})
    used = admin_db.execute(
        "SELECT last_used_at FROM api_keys WHERE id = %s", (tenant.api_key_id,)
    ).fetchone()
    assert used["last_used_at"] is not None
    assert datetime.now(UTC) - used["last_used_at"] < timedelta(minutes=1)


def test_an_api_key_never_acts_above_its_creators_current_role(client, tenant):
    admin = client.add_member(tenant, "admin")
    made = client.post(
        "/v1/api-keys", auth=admin.auth, org=tenant.org_id, json_body={"name": "a", "role": "admin"}
    )
    assert made.status == 201
    key = made.json()["secret"]
    assert authorizer.authorize({"authorization": f"Bearer {key}"}).role == "admin"
    demoted = client.patch(f"/v1/members/{admin.user_id}", **tenant.as_owner, json_body={"role": "viewer"})
    assert demoted.status == 200
    assert authorizer.authorize({"authorization": f"Bearer {key}"}).role == "viewer"
    assert client.delete(f"/v1/members/{admin.user_id}", **tenant.as_owner).status == 204
    assert _reason(key) == "api_key_creator_not_a_member"


def test_the_authorizer_function_answers_in_the_http_api_simple_format(client, tenant):
    fn, _ttl = load_template(ROOT).authorizer
    event = authorizer_sample()
    event["headers"]["authorization"] = tenant.key_auth
    allowed = invoke(fn, event)
    assert allowed["isAuthorized"] is True
    assert allowed["context"]["org_id"] == tenant.org_id
    assert allowed["context"]["role"] == "owner"
    assert "orgs:update" in allowed["context"]["permissions"].split(",")
    assert all(isinstance(v, str | int) for v in allowed["context"].values())
    event["headers"]["authorization"] = "Bearer hk_" + "B" * 40
    assert invoke(fn, event) == {"isAuthorized": False}
