"""Cross-tenant cases: the data lifecycle. One org's retention overrides are its own: another
org neither sees nor changes them, and naming the other org with its own credential is refused."""

from __future__ import annotations

from tests.integration.cross_tenant import case

RETENTION = "/v1/orgs/current/retention"
YEAR = 365 * 86400


def _audit(client, who) -> dict:
    kinds = client.get(RETENTION, auth=who.key_auth).json()["kinds"]
    return next(k for k in kinds if k["kind"] == "audit")


@case("GET /v1/orgs/current/retention", "PUT /v1/orgs/current/retention")
def retention(client, victim, intruder):
    body = {"overrides": [{"kind": "audit", "seconds": YEAR}]}
    assert client.put(RETENTION, auth=victim.key_auth, json_body=body).status == 200
    assert _audit(client, victim)["seconds"] == YEAR
    seen = _audit(client, intruder)
    assert (seen["seconds"], seen["overridden"]) == (seen["default_seconds"], False)
    own = {"overrides": [{"kind": "audit", "seconds": 2 * YEAR}]}
    assert client.put(RETENTION, auth=intruder.key_auth, json_body=own).status == 200
    assert _audit(client, victim)["seconds"] == YEAR
    refused = client.put(RETENTION, auth=intruder.key_auth, json_body=own, org=victim.org_id)
    assert refused.status == 403
    assert client.get(RETENTION, auth=intruder.key_auth, org=victim.org_id).status == 403
    assert _audit(client, victim)["seconds"] == YEAR
