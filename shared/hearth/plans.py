"""Billing plans, as configuration: what each plan costs in Stripe (a price id per interval) and
what it allows. ``free``, ``pro`` and ``business`` are built in; operators change them and add
their own with ``HEARTH_PLANS`` (JSON, merged over the built-in ones, field by field)::

    HEARTH_PLANS='{"pro": {"prices": {"month": "price_1Pro"}, "limits": {"seats": 20}},
                   "team": {"rank": 15, "prices": {"month": "price_1Team"}, "limits": {"seats": 10}}}'

    plans.get("pro").limits.seats            # 20
    plans.by_price("price_1Team").name       # "team"

A limit of ``None`` is unlimited. Requests per minute and AI tokens per month come from the older
per-plan settings when they name the plan (``HEARTH_RATE_LIMITS``,
``HEARTH_AI_MONTHLY_TOKENS_BY_PLAN``), else from the plan, else from the defaults
(``HEARTH_RATE_LIMIT_PER_MINUTE``, ``HEARTH_AI_MONTHLY_TOKENS``): this module is the one place
that answers either. A plan name no configuration knows (an org moved by hand) gets the
free plan's limits.

This is configuration, not the org's state: which plan an org is on now, and what it may do, is
``hearth.billing.access``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hearth.settings import ConfigurationError, settings

Interval = Literal["month", "year"]
INTERVALS: tuple[Interval, ...] = ("month", "year")
FREE = "free"


@dataclass(frozen=True, slots=True)
class Limits:
    """What a plan allows (``None``: no limit)."""

    requests_per_minute: int | None = None
    seats: int | None = None
    sms_per_month: int | None = None
    emails_per_month: int | None = None
    ai_tokens_per_month: int | None = None
    webhook_endpoints: int | None = None
    #: Days between two full data exports.
    export_every_days: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    #: Orders plans (upgrade vs downgrade); free is 0.
    rank: int
    #: Stripe price id per interval (a plan without prices cannot be bought: free).
    prices: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    def price(self, interval: str) -> str | None:
        return self.prices.get(interval)


BUILT_IN: dict[str, Plan] = {
    "free": Plan(
        "free",
        0,
        {},
        Limits(
            seats=5, sms_per_month=100, emails_per_month=1_000, webhook_endpoints=10, export_every_days=30
        ),
    ),
    "pro": Plan(
        "pro",
        10,
        {"month": "price_hearth_pro_month", "year": "price_hearth_pro_year"},
        Limits(
            requests_per_minute=600,
            seats=25,
            sms_per_month=2_000,
            emails_per_month=50_000,
            ai_tokens_per_month=5_000_000,
            webhook_endpoints=25,
            export_every_days=7,
        ),
    ),
    "business": Plan(
        "business",
        20,
        {"month": "price_hearth_business_month", "year": "price_hearth_business_year"},
        Limits(
            requests_per_minute=3_000,
            seats=None,
            sms_per_month=20_000,
            emails_per_month=500_000,
            ai_tokens_per_month=20_000_000,
            webhook_endpoints=100,
            export_every_days=1,
        ),
    ),
}

_LIMIT_FIELDS = frozenset(Limits.__dataclass_fields__)


def _merged(name: str, base: Plan | None, config: Any) -> Plan:
    if not isinstance(config, dict):
        raise ConfigurationError(f"HEARTH_PLANS: plan {name!r} must be an object")
    unknown = set(config) - {"rank", "prices", "limits"}
    if unknown:
        raise ConfigurationError(f"HEARTH_PLANS: plan {name!r} has unknown fields {sorted(unknown)}")
    plan = base or Plan(name, 1)
    prices = dict(plan.prices)
    for interval, price in (config.get("prices") or {}).items():
        if interval not in INTERVALS or not (price is None or isinstance(price, str)):
            raise ConfigurationError(f"HEARTH_PLANS: plan {name!r} has a bad price for {interval!r}")
        if price:
            prices[interval] = price
        else:
            prices.pop(interval, None)
    limits = config.get("limits") or {}
    if not isinstance(limits, dict) or set(limits) - _LIMIT_FIELDS:
        raise ConfigurationError(
            f"HEARTH_PLANS: plan {name!r} limits must be some of {sorted(_LIMIT_FIELDS)}"
        )
    for key, value in limits.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ConfigurationError(f"HEARTH_PLANS: {name}.limits.{key} must be a whole number or null")
    rank = config.get("rank", plan.rank)
    if not isinstance(rank, int) or isinstance(rank, bool):
        raise ConfigurationError(f"HEARTH_PLANS: {name}.rank must be a whole number")
    return Plan(name, rank, prices, replace(plan.limits, **limits))


#: The catalogue parsed from the settings it was parsed from (parsed again when they change).
_parsed: dict[str, tuple[object, dict[str, Plan]]] = {}


def catalogue() -> dict[str, Plan]:
    """Every plan of this deployment, by name (built-in ones merged with ``HEARTH_PLANS``),
    parsed once per settings."""
    cfg = settings()
    cached = _parsed.get("plans")
    if cached is None or cached[0] is not cfg:
        cached = _parsed["plans"] = (cfg, _catalogue(cfg.plans))
    return cached[1]


def _catalogue(configured: dict[str, Any]) -> dict[str, Plan]:
    plans = dict(BUILT_IN)
    for name, config in configured.items():
        if not name.replace("_", "").isalnum() or name != name.lower() or len(name) > 40:
            raise ConfigurationError(f"HEARTH_PLANS: {name!r} is not a plan name (a-z, 0-9, _)")
        plans[name] = _merged(name, plans.get(name), config)
    seen: dict[str, str] = {}
    for plan in plans.values():
        for price in plan.prices.values():
            if price in seen:
                raise ConfigurationError(
                    f"HEARTH_PLANS: price {price} belongs to {seen[price]} and {plan.name}"
                )
            seen[price] = plan.name
    return plans


def get(name: str) -> Plan:
    """The plan ``name``, with its requests per minute and AI tokens filled in from the settings
    when it does not set them; an unknown name has the free plan's limits under its own name."""
    plan = catalogue().get(name) or replace(catalogue()[FREE], name=name, prices={})
    cfg = settings()
    limits = plan.limits
    if name in cfg.rate_limits or limits.requests_per_minute is None:
        limits = replace(limits, requests_per_minute=cfg.rate_limits.get(name, cfg.rate_limit_per_minute))
    if name in cfg.ai_monthly_tokens_by_plan or limits.ai_tokens_per_month is None:
        limits = replace(
            limits, ai_tokens_per_month=cfg.ai_monthly_tokens_by_plan.get(name, cfg.ai_monthly_tokens)
        )
    return replace(plan, limits=limits)


def by_price(price_id: str) -> Plan | None:
    """The plan a Stripe price belongs to (``None``: not one of ours)."""
    for plan in catalogue().values():
        if price_id in plan.prices.values():
            return get(plan.name)
    return None


def interval_of(price_id: str) -> str | None:
    for plan in catalogue().values():
        for interval, price in plan.prices.items():
            if price == price_id:
                return interval
    return None


def requests_per_minute(name: str) -> int:
    """Requests per minute an org on plan ``name`` may make (the authorizer's limit)."""
    value = get(name).limits.requests_per_minute
    assert value is not None
    return value
