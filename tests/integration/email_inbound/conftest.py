"""Inbound email test set-up: moto's S3 holding the inbound email bucket for each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.email_inbound.mail import inbound_aws


@pytest.fixture
def s3() -> Iterator[Any]:
    with inbound_aws() as client:
        yield client
