"""Cross-tenant cases: provider integrations. An integration is named by its provider, so the
intruder's calls name the same path as the victim's: they reach the intruder's own integration
(or none), never the victim's. The provider test is pointed nowhere: the victim's credentials must
not even be tried."""

from __future__ import annotations

import secrets

from hearth.integrations.signing import signing_keys
from tests.conftest import twilio_account
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case

PATH = "/v1/integrations/twilio"


def _victim_setup(client, victim):
    account, token = twilio_account()
    made = client.put(
        PATH,
        auth=victim.key_auth,
        json_body={"config": {"account_sid": account}, "secrets": {"auth_token": token}},
    )
    assert made.status == 201, made.body
    return account, token, made.json()


def _victim_unchanged(client, victim, account, token, shown):
    assert client.get("/v1/integrations", auth=victim.key_auth).json()["data"] == [shown]
    assert [(k.secret, str(k.org_id)) for k in signing_keys("twilio", account)] == [(token, victim.org_id)]


@case("GET /v1/integrations")
def list_integrations(client, victim, intruder):
    account, token, _ = _victim_setup(client, victim)
    listed = client.get("/v1/integrations", auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, account, token, token[-4:], victim.org_id)


@case("PUT /v1/integrations/{provider}")
def put_integration(client, victim, intruder):
    account, token, shown = _victim_setup(client, victim)
    # The victim's account cannot be claimed without its credentials, and the refusal says no more
    # than that Twilio refused them (not that another org holds the account).
    claimed = client.put(
        PATH,
        auth=intruder.key_auth,
        json_body={"config": {"account_sid": account}, "secrets": {"auth_token": secrets.token_hex(16)}},
    )
    assert claimed.status == 422, claimed.body
    assert claimed.json()["code"] == "credentials_rejected"
    assert_not_leaked(claimed, token, token[-4:], victim.org_id)
    # Even with them, it stays the victim's (one account, one org).
    taken = client.put(
        PATH,
        auth=intruder.key_auth,
        json_body={"config": {"account_sid": account}, "secrets": {"auth_token": token}},
    )
    assert taken.status == 409, taken.body
    assert_not_leaked(taken, victim.org_id)
    # A partial update with no integration of one's own does not reach the victim's secrets.
    partial = client.put(PATH, auth=intruder.key_auth, json_body={"config": {"account_sid": account}})
    assert partial.status == 422, partial.body
    assert_not_leaked(partial, token, token[-4:], victim.org_id)
    # The intruder's own integration is its own.
    own_account, own_token = twilio_account()
    own = client.put(
        PATH,
        auth=intruder.key_auth,
        json_body={"config": {"account_sid": own_account}, "secrets": {"auth_token": own_token}},
    )
    assert own.status == 201, own.body
    assert_not_leaked(own, account, token, token[-4:], victim.org_id)
    _victim_unchanged(client, victim, account, token, shown)


@case("DELETE /v1/integrations/{provider}")
def delete_integration(client, victim, intruder):
    account, token, shown = _victim_setup(client, victim)
    assert_hidden(client.delete(PATH, auth=intruder.key_auth), account, token, victim.org_id)
    _victim_unchanged(client, victim, account, token, shown)


@case("POST /v1/integrations/{provider}/test")
def provider_test(client, victim, intruder):
    account, token, shown = _victim_setup(client, victim)
    assert_hidden(client.post(f"{PATH}/test", auth=intruder.key_auth), account, token, victim.org_id)
    _victim_unchanged(client, victim, account, token, shown)
