"""The relay after a write's commit: the events go to the dispatch queue, then are marked
published in one round trip (the tenant setting, the UPDATE and its COMMIT together, without
waiting for the WAL flush; a lost mark only makes the sweep publish the event again)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from hearth_dev.roundtrips import count_round_trips

from hearth import db
from hearth.outbox import relay


def test_publishing_marks_the_events_in_one_round_trip(
    database: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, events = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    with psycopg.connect(database["admin"], autocommit=True) as admin:
        admin.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Relay Co')", (org,))
        for event in events:
            admin.execute(
                "INSERT INTO domain_events (org_id, id, type, actor_type, resource_type)"
                " VALUES (%s, %s, 'company.created', 'system', 'company')",
                (org, event),
            )
    sent: list[Any] = []

    def send(queue_url: str, messages: list[Any]) -> list[Any]:
        sent.extend(messages)
        return list(messages)

    monkeypatch.setattr(relay.queues, "send", send)
    monkeypatch.setattr(relay, "settings", lambda: SimpleNamespace(event_dispatch_queue_url="http://queue"))
    db.database("app").connection()  # opened before counting

    with count_round_trips(db.database("app").connection()) as counted:
        assert relay.publish(org, events) == 2

    assert counted.trips == 1, counted.messages
    assert sorted(str(m.event_id) for m in sent) == sorted(str(e) for e in events)
    with psycopg.connect(database["admin"], autocommit=True) as admin:
        marked = admin.execute(
            "SELECT count(*) FROM domain_events WHERE org_id = %s AND published_at IS NOT NULL", (org,)
        ).fetchone()
    assert marked is not None
    assert marked[0] == 2
