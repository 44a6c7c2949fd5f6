"""Cross-tenant cases: notifications. One org's notifications and preferences are out of reach
of another's members: ids are not found, lists and counts hold only the caller's own, marking
reads changes nothing of the victim's, preferences are per org."""

from __future__ import annotations

from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case
from tests.integration.notifications.conftest import notify

N = "/v1/notifications"


def _victims(victim) -> list[str]:
    return [notify(victim.org_id, victim.owner.user_id, f"Victim secret {i}") for i in range(2)]


def _unread(client, victim) -> int:
    return int(client.get(f"{N}/unread-count", auth=victim.key_auth).json()["unread"])


@case("GET /v1/notifications")
def list_notifications(client, victim, intruder):
    ids = _victims(victim)
    listed = client.get(N, auth=intruder.key_auth, query=f"filter[id]={ids[0]}")
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(client.get(N, auth=intruder.key_auth), *ids, "Victim secret")
    # The intruder naming the victim's org is refused, not answered.
    assert client.get(N, auth=intruder.key_auth, org=victim.org_id).status == 403
    assert len(client.get(N, auth=victim.key_auth).json()["data"]) == 2


@case("POST /v1/notifications/{notification_id}/read")
def read_notification(client, victim, intruder):
    ids = _victims(victim)
    assert_hidden(client.post(f"{N}/{ids[0]}/read", auth=intruder.key_auth), "Victim secret")
    assert _unread(client, victim) == 2


@case("POST /v1/notifications/read-all")
def read_all(client, victim, intruder):
    _victims(victim)
    marked = client.post(f"{N}/read-all", auth=intruder.key_auth)
    assert marked.status == 200
    assert marked.json() == {"marked": 0}
    assert _unread(client, victim) == 2


@case("GET /v1/notifications/unread-count")
def unread_count(client, victim, intruder):
    _victims(victim)
    assert client.get(f"{N}/unread-count", auth=intruder.key_auth).json() == {"unread": 0}
    assert _unread(client, victim) == 2


@case("GET /v1/notifications/preferences", "PUT /v1/notifications/preferences")
def preferences(client, victim, intruder):
    chosen = {"preferences": [{"type": "deal_won", "in_app": False, "email": True}]}
    assert client.put(f"{N}/preferences", auth=victim.key_auth, json_body=chosen).status == 200
    theirs = client.get(f"{N}/preferences", auth=intruder.key_auth).json()["preferences"]
    assert {"type": "deal_won", "in_app": True, "email": False} in theirs
    reset = client.put(f"{N}/preferences", auth=intruder.key_auth, json_body={"preferences": []})
    assert reset.status == 200
    refused = client.put(
        f"{N}/preferences", auth=intruder.key_auth, json_body={"preferences": []}, org=victim.org_id
    )
    assert refused.status == 403
    mine = client.get(f"{N}/preferences", auth=victim.key_auth).json()["preferences"]
    assert {"type": "deal_won", "in_app": False, "email": True} in mine
