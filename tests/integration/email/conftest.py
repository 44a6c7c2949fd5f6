"""Email test set-up: moto's SES and the email queues per test (``moto_ses``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.email.moto_ses import SYSTEM_FROM, Ses, moto_ses, sending_domain

__all__ = ["SYSTEM_FROM", "Ses", "sending_domain"]


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ses]:
    with moto_ses() as found:
        original = found.send_queue.sqs.change_message_visibility

        def recorded(**kwargs: Any) -> Any:
            found.send_queue.postponed.append(int(kwargs["VisibilityTimeout"]))
            return original(**kwargs)

        monkeypatch.setattr(found.send_queue.sqs, "change_message_visibility", recorded)
        found.send_queue.reset_visibility = original
        found.events_queue.reset_visibility = original
        yield found
