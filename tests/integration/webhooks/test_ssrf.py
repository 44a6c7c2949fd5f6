"""A webhook URL must never become a way into the network: every blocked range, names that
resolve inside, the address checked is the address connected to, redirects are not followed.
No test here opens a connection to anything but a receiver on loopback."""

from __future__ import annotations

import ipaddress

import pytest

from hearth.settings import settings
from hearth.webhooks.engine import ssrf
from tests.conftest import GITHUB_TEST_SETTINGS
from tests.integration.webhooks.conftest import Reply, attempt_rows, create_endpoint, delivery_rows, emit

BLOCKED = {
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.10": "private",
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "169.254.169.254": "link-local",
    "100.64.0.1": "CGNAT",
    "100.127.255.254": "CGNAT",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "224.0.0.251": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.7": "private",  # documentation (TEST-NET-1)
    "198.18.0.1": "private",  # benchmarking
    "::1": "loopback",
    "::": "unspecified",
    "fc00::1": "private",  # unique-local
    "fd12:3456::1": "private",
    "fe80::1": "link-local",
    "ff02::1": "multicast",
    "::ffff:10.0.0.1": "IPv4-mapped",
    "::ffff:127.0.0.1": "IPv4-mapped",
    "::ffff:8.8.8.8": "IPv4-mapped",
    "2002:7f00:1::1": "6to4",  # 6to4 wrapping 127.0.0.1
    "64:ff9b::a00:1": "NAT64",  # NAT64 of 10.0.0.1
    "2001:db8::1": "private",  # documentation
}


@pytest.mark.parametrize("address", sorted(BLOCKED))
def test_every_non_public_range_is_blocked(address):
    with pytest.raises(ssrf.BlockedDestination) as raised:
        ssrf.check_address(ipaddress.ip_address(address))
    assert BLOCKED[address] in str(raised.value)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_pass(address):
    ssrf.check_address(ipaddress.ip_address(address))


def test_the_allow_list_opens_only_what_it_names():
    allowed = ssrf.parse_networks(["127.0.0.0/8"])
    ssrf.check_address(ipaddress.ip_address("127.0.0.1"), allowed)
    with pytest.raises(ssrf.BlockedDestination):
        ssrf.check_address(ipaddress.ip_address("10.0.0.1"), allowed)
    with pytest.raises(ssrf.BlockedDestination):
        ssrf.check_address(ipaddress.ip_address("::ffff:127.0.0.1"), allowed)


def names(mapping):
    def resolve(host, port):
        return mapping[host]

    return resolve


def test_a_name_that_resolves_to_loopback_or_to_any_private_address_is_blocked():
    dns = names({"innocent.example": ["127.0.0.1"], "mixed.example": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(ssrf.BlockedDestination, match="loopback"):
        ssrf.check_url("https://innocent.example/hook", resolver=dns)
    with pytest.raises(ssrf.BlockedDestination, match="private"):
        ssrf.check_url("https://mixed.example/hook", resolver=dns)
    with pytest.raises(ssrf.BlockedDestination, match="does not resolve"):
        ssrf.check_url("https://nowhere.example/hook", resolver=_unknown)
    dest = ssrf.check_url(
        "https://hooks.example:8443/in?x=1", resolver=names({"hooks.example": ["93.184.215.14"]})
    )
    assert dest.addresses == (ipaddress.ip_address("93.184.215.14"),)
    assert (dest.host, dest.port, dest.target, dest.host_header) == (
        "hooks.example",
        8443,
        "/in?x=1",
        "hooks.example:8443",
    )


def _unknown(host, port):
    raise OSError("Name or service not known")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example/in", "https"),
        ("ftp://hooks.example/in", "an http"),
        ("https://user:pw@hooks.example/in", "credentials"),
        ("https://hooks.example/in#frag", "fragment"),
        ("https:///in", "host"),
        ("https://hooks.example:99999/", "valid"),
        ("https://hooks .example/", "whitespace"),
    ],
)
def test_urls_that_are_not_webhook_urls(url, reason):
    with pytest.raises(ssrf.InvalidUrl, match=reason):
        ssrf.parse_url(url, require_https=True)


def test_https_is_required_outside_local_and_test(webhook_settings):
    webhook_settings.setenv("HEARTH_STAGE", "dev")
    for test_only in ("HEARTH_STRIPE_API_KEY", "HEARTH_STRIPE_WEBHOOK_SECRET"):  # the test stage's
        webhook_settings.delenv(test_only, raising=False)
    webhook_settings.delenv("HEARTH_WEBHOOK_ALLOWED_NETWORKS")
    webhook_settings.delenv("HEARTH_JWT_DEV_SECRET", raising=False)
    for variable in GITHUB_TEST_SETTINGS:  # local-only values of the session's GitHub stand-in
        webhook_settings.delenv(variable, raising=False)
    settings.cache_clear()
    assert ssrf.require_https()
    with pytest.raises(ssrf.InvalidUrl, match="https"):
        ssrf.check("http://93.184.215.14/hook")
    assert ssrf.check("https://93.184.215.14/hook").addresses


def test_saving_an_endpoint_checks_its_destination(client, tenant, resolver):
    resolver["internal.example"] = ["10.20.30.40"]
    resolver["rebind.example"] = ["127.0.0.1", "169.254.169.254"]
    for url in (
        "https://internal.example/hook",
        "https://rebind.example/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.100.100.200/",
    ):
        refused = client.post("/v1/webhook-endpoints", auth=tenant.key_auth, json_body={"url": url})
        assert refused.status == 422, (url, refused.body)
        assert refused.json()["errors"][0]["code"] == "url_not_allowed", url
    unknown = client.post(
        "/v1/webhook-endpoints", auth=tenant.key_auth, json_body={"url": "https://nx.example/"}
    )
    assert unknown.status == 422
    assert client.get("/v1/webhook-endpoints", auth=tenant.key_auth).json()["data"] == []
    # Changing the URL of an existing endpoint is checked the same way.
    resolver["hooks.example"] = ["93.184.215.14"]
    made = create_endpoint(client, tenant, "https://hooks.example/in")
    moved = client.patch(
        f"/v1/webhook-endpoints/{made['id']}",
        auth=tenant.key_auth,
        json_body={"url": "https://internal.example/"},
    )
    assert moved.status == 422
    assert client.get(f"/v1/webhook-endpoints/{made['id']}", auth=tenant.key_auth).json()["url"] == (
        "https://hooks.example/in"
    )


def test_the_connection_goes_to_the_address_that_was_checked(
    client, tenant, aws, receivers, resolver, admin_db
):
    receiver = receivers()
    lookups = []
    resolver["hooks.test"] = ["127.0.0.1"]

    def counting(host, port):
        lookups.append(host)
        return resolver[host]

    with ssrf.using_resolver(counting):
        endpoint = create_endpoint(client, tenant, f"http://hooks.test:{receiver.port}/hook")
        lookups.clear()
        emit(tenant.org_id)
        aws.drain()
        # One lookup per attempt (the check); the connection used that answer, keeping the name
        # for the Host header.
        assert lookups == ["hooks.test"]
        assert receiver.requests[0].headers["host"] == f"hooks.test:{receiver.port}"

        # DNS now answers with an inside address (rebinding): the attempt is refused before any
        # connection and retried later.
        resolver["hooks.test"] = ["10.9.8.7"]
        emit(tenant.org_id)
        aws.drain()
    assert len(receiver.requests) == 1
    latest = delivery_rows(admin_db, endpoint["id"])[-1]
    [attempt] = attempt_rows(admin_db, latest["id"])
    assert attempt["status_code"] is None
    assert "10.9.8.7 is a private address" in attempt["error"]
    assert latest["status"] == "pending"


def test_a_redirect_to_a_private_address_is_not_followed(client, tenant, aws, receivers, admin_db):
    canary = receivers(host="127.0.0.2")
    receiver = receivers([Reply(302, headers={"Location": f"http://127.0.0.2:{canary.port}/internal"})])
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    assert len(receiver.requests) == 1
    assert canary.requests == []
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    [attempt] = attempt_rows(admin_db, delivery["id"])
    assert attempt["status_code"] == 302
    assert attempt["error"].startswith("redirect not followed (302 to http://127.0.0.2:")
    assert delivery["status"] == "pending"  # a redirect is a failure: retried on schedule
