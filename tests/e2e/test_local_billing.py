"""An upgrade end to end on the local stack: Checkout asked over HTTP, paid on the Stripe
stand-in's Checkout page, whose signed events reach ``/webhooks/stripe``; the org is on the plan
it paid for, and ``hearth simulate stripe`` moves it on."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from hearth_dev import demo
from hearth_dev.cli import main

from tests.e2e.conftest import RunningStack, start_stack, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def billing_stack(
    database: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """Hearth's own template on a database of its own (the demo org changes plan here)."""
    from hearth_dev.local import postgres

    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        with start_stack(
            tmp_path_factory.mktemp("billing-stack"), "--no-schedules", database_url=url
        ) as running:
            yield running
    finally:
        postgres.drop_database(database["server"], name)


def test_paying_on_the_local_checkout_page_upgrades_the_demo_org(billing_stack: RunningStack) -> None:
    key = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}
    http = billing_stack.client

    def plan() -> str:
        answer = http.get("/v1/billing", headers=key)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["plan"])

    assert plan() == "free"
    made = http.post("/v1/billing/checkout-sessions", headers=key, json={"plan": "pro", "interval": "month"})
    assert made.status_code == 201, made.text
    page = http.get(made.json()["url"])
    assert page.status_code == 200
    assert "<button>Pay</button>" in page.text
    assert http.post(made.json()["url"]).status_code == 200
    wait_for(lambda: plan() == "pro", 30, "the demo org on pro")
    code = main(
        [
            "simulate",
            "stripe",
            "customer.subscription.updated",
            "--org",
            str(demo.DEMO_ORG_ID),
            "--plan",
            "business",
            "--url",
            billing_stack.url,
            "--standin-url",
            billing_stack.state["standins"]["stripe"]["url"],
        ]
    )
    assert code == 0
    assert plan() == "business"
