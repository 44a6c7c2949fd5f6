"""SES events as the email events consumer reads them: SNS's envelope or the bare event, the
org and email from the sender's tags, what a bounce or a complaint suppresses; and the events
``hearth simulate ses`` makes are read the same way."""

from __future__ import annotations

import json
import uuid

import pytest
from hearth_dev.simulate.ses import envelope, event_of

from hearth.email.delivery import SesEvent, _reason, _suppressions

ORG, EMAIL = str(uuid.uuid4()), str(uuid.uuid4())
SENT = {
    "id": EMAIL,
    "from": "hello@demo.hearth.local",
    "to": ["ada@example.com"],
    "cc": ["bob@example.com"],
    "bcc": [],
    "provider_message_id": "0100019b-0000",
}


@pytest.mark.parametrize(
    ("kind", "suppressed"),
    [
        ("Bounce", ["ada@example.com", "bob@example.com"]),
        ("Complaint", ["ada@example.com", "bob@example.com"]),
        ("Delivery", []),
    ],
)
def test_simulated_events_read_as_ses_events(kind, suppressed):
    event = SesEvent.parse(json.dumps(envelope(event_of(kind, SENT, ORG))))
    assert event is not None
    assert (event.type, event.message_id, str(event.org_id), str(event.email_id)) == (
        kind,
        "0100019b-0000",
        ORG,
        EMAIL,
    )
    assert _suppressions(event) == suppressed


def test_a_bare_event_reads_too_and_a_transient_bounce_suppresses_nothing():
    raw = event_of("Bounce", SENT, ORG)
    raw["bounce"]["bounceType"] = "Transient"
    event = SesEvent.parse(json.dumps(raw))
    assert event is not None
    assert _suppressions(event) == []
    assert _reason(event)[0] == "bounce_general"


def test_an_event_of_another_sender_is_not_hearths_and_garbage_is_refused():
    raw = event_of("Delivery", SENT, ORG)
    raw["mail"]["tags"] = {}
    assert SesEvent.parse(json.dumps(raw)) is None
    for body in ("[]", '{"Type": "Notification", "Message": "{}"}', '{"eventType": "Send"}'):
        with pytest.raises(ValueError):
            SesEvent.parse(body)
