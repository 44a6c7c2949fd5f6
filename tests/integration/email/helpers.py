"""Shared steps of the email tests: send through the API, route the email.queued event to the
send queue as the event dispatch consumer does, read an email back."""

from __future__ import annotations

import uuid
from typing import Any

from hearth.outbox import channels

SEND = "/v1/emails"


def send(client: Any, tenant: Any, body: dict[str, Any], *, key: str | None = None) -> Any:
    headers = {"idempotency-key": key} if key else None
    return client.post(SEND, auth=tenant.key_auth, json_body=body, headers=headers)


def queued(client: Any, tenant: Any, body: dict[str, Any]) -> dict[str, Any]:
    sent = send(client, tenant, body)
    assert sent.status == 202, sent.body
    email = sent.json()
    assert channels.route(uuid.UUID(tenant.org_id), "email.queued", email["id"]) is True
    return email


def shown(client: Any, tenant: Any, email_id: str) -> dict[str, Any]:
    found = client.get(f"{SEND}/{email_id}", auth=tenant.key_auth)
    assert found.status == 200, found.body
    return found.json()


def count(admin_db: Any, sql: str, *args: Any) -> int:
    return int(admin_db.execute(sql, args).fetchone()["n"])


def new_address() -> str:
    return f"r{uuid.uuid4().hex[:12]}@example.org"
