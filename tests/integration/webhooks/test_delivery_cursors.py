"""``GET /v1/webhook-endpoints/{id}/deliveries``: a cursor that this list did not make is a 422
naming ``cursor``, whatever its values (they are bound into the query only once checked)."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.integration.webhooks.conftest import create_endpoint


def _cursor(values: Any) -> str:
    raw = values if isinstance(values, bytes) else json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


ID = "00000000-0000-4000-8000-000000000000"
NOW = "2026-01-01T00:00:00+00:00"


def test_tampered_delivery_cursors_are_422(client, tenant, receivers):
    endpoint = create_endpoint(client, tenant, receivers().url())
    path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    tampered = [
        [{"a": 1}, [1]],
        [1, 2],
        ["yesterday", ID],
        [NOW, "not-an-id"],
        [{"$dt": NOW}, 7],
        [{"$dt": 7}, ID],
        [None, None],
        [NOW, ID, "extra"],
        b"[" * 3000 + b"]" * 3000,
    ]
    for values in tampered:
        response = client.get(path, auth=tenant.key_auth, query=f"cursor={_cursor(values)}")
        assert response.status == 422, (values, response.body)
        errors = response.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("cursor", "invalid_cursor")]
    # A well-formed sort key (as the list writes it, or as plain text) still reads.
    for values in ([{"$dt": NOW}, ID], [NOW, ID], ["2026-01-01T00:00:00", ID]):
        response = client.get(path, auth=tenant.key_auth, query=f"cursor={_cursor(values)}")
        assert response.status == 200, (values, response.body)
        assert response.json()["data"] == []
