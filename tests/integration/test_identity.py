"""Identity binding in the authorizer: an email is stored (and matched) only when the identity
provider verified it, refreshed at every sign-in, held by one identity; claims the database cannot
hold never fail the authorizer; keys the provider withdraws stop verifying in a warm environment."""

from __future__ import annotations

import threading
import time
import uuid

import jwt
import pytest

from hearth.auth import authorizer, tokens
from hearth.auth.tokens import mint_dev_token
from hearth.settings import settings
from tests.identity_provider import jwk, rsa_key, serving_jwks

ISSUER, AUDIENCE = "hearth-local", "hearth"


def _sign_in(token: str):
    return authorizer.authorize({"authorization": f"Bearer {token}"})


def _user(admin_db, subject: str):
    return admin_db.execute(
        "SELECT id, email, email_verified_at, name FROM users WHERE idp_subject = %s", (subject,)
    ).fetchone()


def _subject(label: str) -> str:
    return f"idp|{label}-{uuid.uuid4().hex[:10]}"


def _address(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.com"


# -- verified emails ---------------------------------------------------------------------------


def test_an_unverified_email_is_not_stored(client, admin_db):
    subject, email = _subject("unverified"), _address("claimed")
    _sign_in(mint_dev_token(subject, email=email, email_verified=False))
    assert _user(admin_db, subject)["email"] is None
    # "true" as a string counts (some providers send it so); anything else does not.
    for value, stored in (("false", None), (1, None), ("true", email)):
        _sign_in(mint_dev_token(subject, email=email, extra={"email_verified": value}))
        assert _user(admin_db, subject)["email"] == stored, value


def test_a_squatter_does_not_keep_the_real_owners_address(client, admin_db, tenant):
    email = _address("victim")
    squatter = _subject("squatter")
    _sign_in(mint_dev_token(squatter, email=email, email_verified=False))
    owner = _subject("owner")
    _sign_in(mint_dev_token(owner, email=email))
    assert _user(admin_db, owner)["email"] == email
    assert _user(admin_db, squatter)["email"] is None
    # And an invitation to the address is the real owner's to accept, not the squatter's.
    token = client.invite(tenant, email, "member")["token"]
    as_squatter = mint_dev_token(squatter, email=email, email_verified=False)
    refused = client.post("/v1/invitations/accept", auth=f"Bearer {as_squatter}", json_body={"token": token})
    assert refused.status == 403
    accepted = client.post(
        "/v1/invitations/accept",
        auth=f"Bearer {mint_dev_token(owner, email=email)}",
        json_body={"token": token},
    )
    assert accepted.status == 200
    assert accepted.json()["user_id"] == str(_user(admin_db, owner)["id"])


def test_an_address_moves_to_the_identity_it_was_last_verified_for(client, admin_db):
    email = _address("moving")
    first, second = _subject("first"), _subject("second")
    _sign_in(mint_dev_token(first, email=email))
    _sign_in(mint_dev_token(second, email=email.upper()))
    assert _user(admin_db, second)["email"] == email.upper()
    assert _user(admin_db, first)["email"] is None
    holders = admin_db.execute("SELECT count(*) AS n FROM users WHERE lower(email) = %s", (email,)).fetchone()
    assert holders["n"] == 1


def test_the_email_and_name_are_refreshed_at_sign_in(client, admin_db):
    subject, old, new = _subject("refresh"), _address("old"), _address("new")
    _sign_in(mint_dev_token(subject, email=old, name="Old Name"))
    first = _user(admin_db, subject)
    assert (first["email"], first["name"]) == (old, "Old Name")
    assert first["email_verified_at"] is not None
    _sign_in(mint_dev_token(subject, email=new, name="New Name"))
    assert (_user(admin_db, subject)["email"], _user(admin_db, subject)["name"]) == (new, "New Name")
    # No email claim (an access token, say): what is stored stays.
    _sign_in(mint_dev_token(subject))
    assert _user(admin_db, subject)["email"] == new
    # An address the provider no longer vouches for is dropped.
    _sign_in(mint_dev_token(subject, email=_address("pending"), email_verified=False))
    assert _user(admin_db, subject)["email"] is None


def test_concurrent_sign_ins_claiming_one_address_leave_one_holder(client, admin_db):
    email = _address("race")
    subjects = [_subject(f"racer{i}") for i in range(6)]
    barrier = threading.Barrier(len(subjects))
    errors = []

    def sign_in(subject):
        barrier.wait()
        try:
            _sign_in(mint_dev_token(subject, email=email))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign_in, args=(s,)) for s in subjects]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(_user(admin_db, s) is not None for s in subjects)
    holders = admin_db.execute("SELECT count(*) AS n FROM users WHERE lower(email) = %s", (email,)).fetchone()
    assert holders["n"] == 1


# -- claims the database cannot hold --------------------------------------------------------------


def test_a_long_name_is_cut_and_a_long_or_unstorable_subject_is_denied_never_a_failure(client, admin_db):
    subject = _subject("long-name")
    principal = _sign_in(mint_dev_token(subject, name="N" * 300, email="x" * 400 + "@example.com"))
    assert principal.kind == "user"
    stored = _user(admin_db, subject)
    assert stored["name"] == "N" * 200
    assert stored["email"] is None
    # The same user signs in again: not locked out.
    assert _sign_in(mint_dev_token(subject, name="N" * 300)).user_id == principal.user_id
    for bad in ("s" * 300, "nul\x00subject"):
        with pytest.raises(authorizer.Denied) as denied:
            _sign_in(mint_dev_token(bad))
        assert denied.value.reason == "invalid_subject"
    # A name with a NUL is dropped, not stored and not a failure.
    odd = _subject("nul-name")
    _sign_in(mint_dev_token(odd, name="a\x00b"))
    assert _user(admin_db, odd)["name"] is None


def test_through_the_gateway_a_300_character_claim_is_never_a_500(client):
    for claims in ({"name": "N" * 300}, {"sub": "s" * 300}):
        subject = claims.get("sub", _subject("gw"))
        token = mint_dev_token(subject, extra={k: v for k, v in claims.items() if k != "sub"})
        response = client.post("/v1/orgs", auth=f"Bearer {token}", json_body={"name": "Long"})
        assert response.status in (201, 403), (claims.keys(), response.status, response.body[:200])


# -- withdrawn signing keys ------------------------------------------------------------------------


@pytest.fixture
def rotating_idp(monkeypatch):
    """A provider whose published keys the test changes; the authorizer pointed at it, with a
    short JWKS lifespan so expiry can be watched."""
    keys = {"key-1": rsa_key()}
    published = {"kids": ["key-1"]}
    with serving_jwks(lambda: {"keys": [jwk(keys[k], k) for k in published["kids"]]}) as served:
        monkeypatch.setenv("HEARTH_JWKS_URL", served.url)
        monkeypatch.setattr(tokens, "JWKS_LIFESPAN_SECONDS", 0.5, raising=False)
        settings.cache_clear()
        tokens._jwks_client.cache_clear()
        try:
            yield {"keys": keys, "published": published, "hits": served.hits}
        finally:
            monkeypatch.delenv("HEARTH_JWKS_URL")
            settings.cache_clear()
            tokens._jwks_client.cache_clear()


def _rs256(key, kid: str, subject: str) -> str:
    now = int(time.time())
    claims = {"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_a_key_the_provider_withdraws_stops_verifying_in_a_warm_authorizer(client, rotating_idp):
    idp = rotating_idp
    old = _rs256(idp["keys"]["key-1"], "key-1", _subject("rotated"))
    assert _sign_in(old).kind == "user"  # warm: the key set is cached
    idp["keys"]["key-2"] = rsa_key()
    idp["published"]["kids"] = ["key-2"]  # the provider withdraws key-1 (compromised, rotated)
    time.sleep(0.7)
    with pytest.raises(authorizer.Denied) as denied:
        _sign_in(old)
    assert denied.value.reason == "unknown_signing_key"
    assert _sign_in(_rs256(idp["keys"]["key-2"], "key-2", _subject("new-key"))).kind == "user"


def test_unknown_key_ids_refetch_the_key_set_at_most_once_per_cooldown(client, rotating_idp, monkeypatch):
    idp = rotating_idp
    monkeypatch.setattr(tokens, "JWKS_LIFESPAN_SECONDS", 300.0, raising=False)
    tokens._jwks_client.cache_clear()
    assert _sign_in(_rs256(idp["keys"]["key-1"], "key-1", _subject("warm"))).kind == "user"
    fetched = len(idp["hits"])
    for _ in range(25):
        with pytest.raises(authorizer.Denied):
            _sign_in(_rs256(idp["keys"]["key-1"], f"made-up-{uuid.uuid4().hex[:6]}", _subject("probe")))
    assert len(idp["hits"]) - fetched <= 1
