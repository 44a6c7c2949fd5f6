"""Phone numbers: attached only when Twilio lists them in the org's own account (and pointed at
this deployment), bought from what Twilio offers, one org each, a default per org and per member,
released (in Twilio too when Hearth bought them). Refusals change nothing."""

from __future__ import annotations

from tests.conftest import TWILIO, twilio_account
from tests.integration.telephony.lines import attach, connect, new_number

PATH = "/v1/phone-numbers"


def _numbers(client, tenant):
    return client.get(PATH, auth=tenant.key_auth).json()["data"]


def test_attach_points_the_number_at_this_deployment(client, tenant, public_url):
    account, _ = connect(client, tenant)
    number = new_number()
    given = TWILIO.give_number(account, number)
    made = client.post(PATH, auth=tenant.key_auth, json_body={"phone_number": number})
    assert made.status == 201, made.body
    shown = made.json()
    assert shown["phone_number"] == number
    assert shown["provider_sid"] == given["sid"]
    assert shown["is_default"] is True  # the first number
    assert shown["purchased"] is False
    assert made.header("location") == f"{PATH}/{shown['id']}"
    assert given["sms_url"] == f"{public_url}/webhooks/twilio/sms"
    assert given["voice_url"] == f"{public_url}/webhooks/twilio/voice"
    assert _numbers(client, tenant) == [shown]
    second = attach(client, tenant, account)
    assert second["is_default"] is False


def test_a_number_outside_the_account_is_refused(client, tenant):
    _account, _ = connect(client, tenant)
    elsewhere, _ = twilio_account()
    number = new_number()
    TWILIO.give_number(elsewhere, number)
    refused = client.post(PATH, auth=tenant.key_auth, json_body={"phone_number": number})
    assert refused.status == 422, refused.body
    assert refused.json()["errors"][0]["code"] == "number_not_in_account"
    assert _numbers(client, tenant) == []


def test_invalid_numbers_and_no_integration(client, tenant):
    for bad in ("+1415", "4155550100", "+99912345678", "+1 415 555 0100"):
        refused = client.post(PATH, auth=tenant.key_auth, json_body={"phone_number": bad})
        assert refused.status == 422, (bad, refused.body)
        assert refused.json()["errors"][0]["field"] == "phone_number"
    missing = client.post(PATH, auth=tenant.key_auth, json_body={"phone_number": new_number()})
    assert missing.status == 422
    assert missing.json()["code"] == "twilio_not_connected"


def test_a_number_belongs_to_one_org(client, tenant, other_tenant):
    account, _token = connect(client, tenant)
    number = attach(client, tenant, account)["phone_number"]
    # Another org that somehow holds the same number in its account still cannot take it.
    other_account, _ = connect(client, other_tenant)
    TWILIO.give_number(other_account, number)
    taken = client.post(PATH, auth=other_tenant.key_auth, json_body={"phone_number": number})
    assert taken.status == 409, taken.body
    assert taken.json()["code"] == "phone_number_taken"
    assert tenant.org_id not in taken.body.decode()
    assert _numbers(client, other_tenant) == []


def test_twilio_down_is_503_and_changes_nothing(client, tenant):
    account, _ = connect(client, tenant)
    number = new_number()
    TWILIO.give_number(account, number)
    TWILIO.fail(status=503, times=1, paths="/2010-04-01/Accounts/")
    try:
        down = client.post(PATH, auth=tenant.key_auth, json_body={"phone_number": number})
    finally:
        TWILIO.clear_faults()
    assert down.status == 503, down.body
    assert down.json()["code"] == "provider_unavailable"
    assert _numbers(client, tenant) == []


def test_buy_search_and_release(client, tenant, public_url):
    account, _ = connect(client, tenant)
    offered = new_number()
    TWILIO.offer_number(offered)
    listed = client.get(f"{PATH}/available", auth=tenant.key_auth, query="country=US")
    assert listed.status == 200, listed.body
    assert offered in [n["phone_number"] for n in listed.json()["data"]]
    bought = client.post(f"{PATH}/buy", auth=tenant.key_auth, json_body={"phone_number": offered})
    assert bought.status == 201, bought.body
    shown = bought.json()
    assert shown["purchased"] is True
    held = TWILIO.numbers[shown["provider_sid"]]
    assert held["account_sid"] == account
    assert held["sms_url"] == f"{public_url}/webhooks/twilio/sms"
    # Bought once: not for sale again.
    again = client.post(f"{PATH}/buy", auth=tenant.key_auth, json_body={"phone_number": offered})
    assert again.status == 422
    released = client.delete(f"{PATH}/{shown['id']}", auth=tenant.key_auth)
    assert released.status == 204, released.body
    assert shown["provider_sid"] not in TWILIO.numbers
    assert _numbers(client, tenant) == []


def test_releasing_an_attached_number_leaves_it_in_twilio(client, tenant):
    account, _ = connect(client, tenant)
    shown = attach(client, tenant, account)
    assert client.delete(f"{PATH}/{shown['id']}", auth=tenant.key_auth).status == 204
    assert shown["provider_sid"] in TWILIO.numbers


def test_defaults_per_org_and_per_member(client, tenant):
    account, _ = connect(client, tenant)
    first = attach(client, tenant, account)
    second = attach(client, tenant, account)
    moved = client.patch(f"{PATH}/{second['id']}", auth=tenant.key_auth, json_body={"is_default": True})
    assert moved.status == 200, moved.body
    by_id = {n["id"]: n for n in _numbers(client, tenant)}
    assert by_id[second["id"]]["is_default"]
    assert not by_id[first["id"]]["is_default"]
    # The default is moved, never just dropped.
    dropped = client.patch(f"{PATH}/{second['id']}", auth=tenant.key_auth, json_body={"is_default": False})
    assert dropped.status == 422
    member = client.add_member(tenant, "member")
    own = client.patch(
        f"{PATH}/{first['id']}",
        auth=tenant.key_auth,
        json_body={"member_user_id": member.user_id, "forward_to": "+14155552671"},
    )
    assert own.status == 200, own.body
    assert own.json()["member_user_id"] == member.user_id
    stranger = client.patch(
        f"{PATH}/{first['id']}",
        auth=tenant.key_auth,
        json_body={"member_user_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert stranger.status == 422
    # Members read numbers but do not change them.
    assert client.get(PATH, auth=member.auth, org=tenant.org_id).status == 200
    denied = client.patch(
        f"{PATH}/{first['id']}", auth=member.auth, org=tenant.org_id, json_body={"is_default": True}
    )
    assert denied.status == 403
