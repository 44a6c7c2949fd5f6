"""A removed org's provider links, let go of by the OrgDeletionQueue consumer from
org.deletion_finalising: the Stripe subscription canceled, the Twilio numbers Hearth bought
released (a number the org brought stays in its account), the GitHub installation deleted, as the
stand-ins record; a repeated message calls nobody again; a failing provider is retried alone; the
finaliser still completes; the message acts only on the org it names."""

from __future__ import annotations

import json
import secrets
from types import SimpleNamespace
from typing import Any

import pytest

from hearth.lifecycle import deletion_finaliser, deletion_links
from hearth.outbox import channels
from tests.conftest import GITHUB, TWILIO
from tests.integration.billing.stripe_local import standin as stripe_standin
from tests.integration.github.scenario import install
from tests.integration.telephony.lines import attach, connect, new_number


def _linked(client: Any, tenant: Any, admin_db: Any) -> dict[str, Any]:
    """An org with a Stripe subscription, a number Hearth bought, one it brought, and a GitHub
    installation; then deleted 31 days ago and announced by the finaliser."""
    stripe = stripe_standin()
    subscription = "sub_" + secrets.token_hex(8)
    stripe.subscriptions[subscription] = {"id": subscription, "object": "subscription", "status": "active"}
    admin_db.execute(
        "INSERT INTO billing_accounts (org_id, stripe_subscription_id, status) VALUES (%s, %s, 'active')",
        (tenant.org_id, subscription),
    )
    account, _ = connect(client, tenant)
    bought = TWILIO.give_number(account, new_number())
    admin_db.execute(
        "INSERT INTO phone_numbers (org_id, e164, provider_sid, purchased, created_by)"
        " VALUES (%s, %s, %s, true, %s)",
        (tenant.org_id, bought["phone_number"], bought["sid"], "test"),
    )
    brought = attach(client, tenant, account)
    installation = install(client, tenant)["installation_id"]
    admin_db.execute(
        "UPDATE orgs SET deleted_at = now() - interval '31 days', deleted_by = %s WHERE id = %s",
        (tenant.owner.user_id, tenant.org_id),
    )
    deletion_finaliser.finalise()
    [event] = admin_db.execute(
        "SELECT id, payload FROM domain_events WHERE org_id = %s AND type = 'org.deletion_finalising'",
        (tenant.org_id,),
    ).fetchall()
    return {
        "event_id": event["id"],
        "data": event["payload"],
        "subscription": subscription,
        "bought": bought["sid"],
        "brought": brought["provider_sid"],
        "installation": installation,
    }


def _calls(links: dict[str, Any]) -> dict[str, int]:
    """The DELETEs each stand-in received for this org's links."""
    return {
        "stripe": sum(
            1
            for r in stripe_standin().requests
            if r.method == "DELETE" and r.path == f"/v1/subscriptions/{links['subscription']}"
        ),
        "twilio": sum(1 for r in TWILIO.requests if r.method == "DELETE" and links["bought"] in r.path),
        "github": sum(
            1
            for r in GITHUB.requests
            if r.method == "DELETE" and r.path == f"/app/installations/{links['installation']}"
        ),
    }


def _marks(admin_db: Any, org_id: str) -> dict[str, Any]:
    return admin_db.execute(
        "SELECT stripe_canceled_at, twilio_released, github_unlinked_at FROM org_deletions WHERE id = %s",
        (org_id,),
    ).fetchone()


def _record(org_id: str, event_id: Any) -> Any:
    return SimpleNamespace(body=json.dumps({"org_id": str(org_id), "event_id": str(event_id)}))


def test_the_event_goes_to_the_org_deletion_queue_by_its_id():
    channel = channels.CHANNELS["org.deletion_finalising"]
    assert (channel.setting, channel.key, channel.by_event) == ("org_deletion_queue_url", "event_id", True)


def test_each_link_is_let_go_of_once(client, tenant, admin_db):
    links = _linked(client, tenant, admin_db)
    assert links["data"]["stripe_subscription_id"] == links["subscription"]
    assert links["data"]["github_installation_id"] == links["installation"]
    assert sorted(links["data"]["twilio_number_sids"]) == sorted([links["bought"], links["brought"]])

    deletion_links.process_record(_record(tenant.org_id, links["event_id"]))

    assert stripe_standin().subscriptions[links["subscription"]]["status"] == "canceled"
    assert links["bought"] not in TWILIO.numbers
    assert links["brought"] in TWILIO.numbers  # the org's own number stays in its account
    assert links["installation"] not in GITHUB.installations
    marks = _marks(admin_db, tenant.org_id)
    assert marks["stripe_canceled_at"] is not None
    assert marks["github_unlinked_at"] is not None
    assert marks["twilio_released"] == [links["bought"]]
    assert _calls(links) == {"stripe": 1, "twilio": 1, "github": 1}

    # A repeated message (a redelivery, the sweep's second dispatch) calls nobody again.
    assert deletion_links.process(tenant.org_id, links["event_id"]) == {}
    assert _calls(links) == {"stripe": 1, "twilio": 1, "github": 1}


def test_a_failing_provider_is_retried_alone_and_the_finaliser_completes(client, tenant, admin_db):
    links = _linked(client, tenant, admin_db)
    GITHUB.fail(500, times=1, paths=f"/app/installations/{links['installation']}")
    with pytest.raises(deletion_links.LinksLeft, match="github"):
        deletion_links.process(tenant.org_id, links["event_id"])
    marks = _marks(admin_db, tenant.org_id)
    assert marks["stripe_canceled_at"] is not None
    assert marks["twilio_released"] == [links["bought"]]
    assert marks["github_unlinked_at"] is None
    assert links["installation"] in GITHUB.installations

    assert deletion_links.process(tenant.org_id, links["event_id"]) == {"github": "unlinked"}
    assert links["installation"] not in GITHUB.installations
    # Stripe and Twilio were not called again; GitHub twice (the failure, then the delete).
    assert _calls(links) == {"stripe": 1, "twilio": 1, "github": 2}

    admin_db.execute(
        "UPDATE domain_events SET published_at = now() - interval '2 hours' WHERE id = %s",
        (links["event_id"],),
    )
    deletion_finaliser.finalise()
    assert admin_db.execute("SELECT 1 FROM orgs WHERE id = %s", (tenant.org_id,)).fetchone() is None
    assert _marks(admin_db, tenant.org_id)["github_unlinked_at"] is not None  # the record stays
    # After the rows are gone a late message finds nothing to do.
    assert deletion_links.process(tenant.org_id, links["event_id"]) == {}


def test_a_stripe_failure_leaves_only_stripe_for_the_retry(client, tenant, admin_db):
    links = _linked(client, tenant, admin_db)
    stripe_standin().fail(503, times=3, paths=f"/v1/subscriptions/{links['subscription']}")
    with pytest.raises(deletion_links.LinksLeft, match="stripe"):
        deletion_links.process(tenant.org_id, links["event_id"])
    assert links["installation"] not in GITHUB.installations
    assert links["bought"] not in TWILIO.numbers
    assert _marks(admin_db, tenant.org_id)["stripe_canceled_at"] is None
    stripe_standin().clear_faults()
    assert deletion_links.process(tenant.org_id, links["event_id"]) == {"stripe": "canceled"}
    assert stripe_standin().subscriptions[links["subscription"]]["status"] == "canceled"


def test_the_message_acts_only_on_the_org_it_names(client, tenant, other_tenant, admin_db):
    links = _linked(client, tenant, admin_db)
    # Another org, also being removed, named with this org's event: its transaction cannot see it.
    admin_db.execute(
        "UPDATE orgs SET deleted_at = now() - interval '31 days', deleted_by = %s WHERE id = %s",
        (other_tenant.owner.user_id, other_tenant.org_id),
    )
    deletion_finaliser.finalise()
    assert deletion_links.process(other_tenant.org_id, links["event_id"]) == {}
    # A live org never acts, whatever the message says.
    live = client.new_tenant("Live")
    assert deletion_links.process(live.org_id, links["event_id"]) == {}
    assert _calls(links) == {"stripe": 0, "twilio": 0, "github": 0}
    assert stripe_standin().subscriptions[links["subscription"]]["status"] == "active"
    assert links["installation"] in GITHUB.installations
    assert links["bought"] in TWILIO.numbers
