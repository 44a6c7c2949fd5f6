"""Integration tests: Stripe is the Stripe stand-in (``tests.integration.billing.stripe_local``)
for the whole package: the billing routes call it synchronously, so every route test (the RBAC
matrix, the fuzzer, the cross-tenant cases) needs it; the settings go back as they were after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hearth_dev.standins import StripeStandIn

from tests.integration.billing.stripe_local import configured


@pytest.fixture(scope="package", autouse=True)
def stripe_configured() -> Iterator[StripeStandIn]:
    with configured() as standin:
        yield standin
