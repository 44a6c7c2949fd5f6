"""Plans as configuration (hearth.plans): the built-in plans, HEARTH_PLANS merged over them field
by field, refused when malformed; the older per-plan settings still answer; only two modules of
the shared layer import the stripe SDK."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hearth import plans
from hearth.billing.usage import resets_at
from hearth.settings import ConfigurationError, settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "hearth"


@pytest.fixture
def configured(monkeypatch):
    def set_(value: str) -> None:
        monkeypatch.setenv("HEARTH_PLANS", value)
        settings.cache_clear()

    yield set_
    monkeypatch.delenv("HEARTH_PLANS", raising=False)
    settings.cache_clear()


def test_built_in_plans_and_their_prices():
    assert sorted(plans.catalogue()) == ["business", "free", "pro"]
    assert plans.get("free").prices == {}
    assert plans.by_price("price_hearth_pro_year").name == "pro"
    assert plans.interval_of("price_hearth_business_month") == "month"
    assert plans.by_price("price_unknown") is None
    assert plans.get("business").limits.seats is None  # unlimited
    assert plans.get("pro").rank > plans.get("free").rank


def test_operators_change_plans_and_add_their_own(configured):
    configured(
        '{"pro": {"prices": {"month": "price_1Pro", "year": null}, "limits": {"seats": 20}},'
        ' "team": {"rank": 15, "prices": {"month": "price_1Team"},'
        ' "limits": {"seats": 10, "sms_per_month": null}}}'
    )
    pro = plans.get("pro")
    assert (pro.prices, pro.limits.seats) == ({"month": "price_1Pro"}, 20)
    assert pro.limits.emails_per_month == plans.BUILT_IN["pro"].limits.emails_per_month  # kept
    team = plans.by_price("price_1Team")
    assert (team.name, team.rank, team.limits.seats, team.limits.sms_per_month) == ("team", 15, 10, None)
    assert plans.by_price("price_hearth_pro_month") is None


def test_an_unknown_plan_has_the_free_limits():
    assert plans.get("legacy").limits.seats == plans.get("free").limits.seats
    assert plans.get("legacy").prices == {}


@pytest.mark.parametrize(
    "value",
    [
        '{"pro": []}',
        '{"pro": {"limits": {"seats": -1}}}',
        '{"pro": {"limits": {"parking": 1}}}',
        '{"pro": {"prices": {"week": "price_x"}}}',
        '{"Pro!": {}}',
        '{"team": {"prices": {"month": "price_hearth_pro_month"}}}',
    ],
)
def test_malformed_plans_are_refused(configured, value):
    configured(value)
    with pytest.raises(ConfigurationError, match="HEARTH_PLANS"):
        plans.catalogue()


def test_the_older_per_plan_settings_still_answer(monkeypatch):
    monkeypatch.setenv("HEARTH_AI_MONTHLY_TOKENS_BY_PLAN", '{"pro": 42}')
    monkeypatch.setenv("HEARTH_AI_MONTHLY_TOKENS", "7")
    settings.cache_clear()
    try:
        assert plans.get("pro").limits.ai_tokens_per_month == 42
        assert plans.get("free").limits.ai_tokens_per_month == 7
        assert plans.get("business").limits.ai_tokens_per_month == 20_000_000
    finally:
        monkeypatch.delenv("HEARTH_AI_MONTHLY_TOKENS_BY_PLAN")
        monkeypatch.delenv("HEARTH_AI_MONTHLY_TOKENS")
        settings.cache_clear()


def test_quotas_reset_on_the_first_of_the_next_month_utc():
    assert resets_at(date(2026, 12, 1)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert resets_at(date(2026, 2, 1)) == datetime(2026, 3, 1, tzinfo=UTC)


def test_only_the_stripe_modules_import_the_sdk():
    importers = set()
    for path in SHARED.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            if any(n == "stripe" or n.startswith("stripe.") for n in names):
                importers.add(str(path.relative_to(SHARED)))
    assert importers == {"billing/stripe_api.py", "hooks/providers/stripe.py"}
