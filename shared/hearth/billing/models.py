"""Billing's requests and answers: Checkout and portal sessions, the org's billing overview and
its invoices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Interval = Literal["month", "year"]


class CheckoutSessionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"plan": "pro", "interval": "month"}]}
    )

    plan: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$", description="A plan with a price."
    )
    interval: Interval = Field(default="month", description="Billed every `month` or `year`.")


class CheckoutSession(BaseModel):
    id: str = Field(description="The Stripe Checkout Session id.")
    url: str = Field(description="Where to send the customer to pay.")
    plan: str
    interval: Interval
    expires_at: datetime | None = None


class PortalSession(BaseModel):
    id: str = Field(description="The Stripe billing portal session id.")
    url: str = Field(description="Where to send the customer to manage the subscription.")


class Seats(BaseModel):
    used: int
    limit: int | None = Field(description="`null`: unlimited.")


class UsageAgainstLimit(BaseModel):
    used: int
    limit: int | None = Field(description="`null`: unlimited.")
    resets_at: datetime = Field(description="When this month's allowance resets (UTC).")


class PlanLimits(BaseModel):
    requests_per_minute: int | None
    seats: int | None
    sms_per_month: int | None
    emails_per_month: int | None
    ai_tokens_per_month: int | None
    webhook_endpoints: int | None
    export_every_days: int | None


class NextInvoice(BaseModel):
    date: datetime = Field(description="When the subscription renews (the next invoice).")


class Billing(BaseModel):
    plan: str = Field(description="The plan the org is on now.")
    status: str = Field(
        description="The subscription's status: `none` (never subscribed), `active`, `trialing`,"
        " `past_due`, `unpaid`, `canceled`, `incomplete`..."
    )
    subscribed_plan: str | None = Field(description="The plan of the subscription (it may end).")
    interval: Interval | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    grace_ends_at: datetime | None = Field(
        description="For a past_due org: when writes start answering 402 `payment_required`."
    )
    month: date = Field(description="This month (its first day, UTC): what usage counts.")
    limits: PlanLimits
    seats: Seats
    usage: dict[str, UsageAgainstLimit] = Field(description="`sms`, `email`, `ai_tokens` this month.")
    webhook_endpoints: Seats
    next_invoice: NextInvoice | None = Field(description="`null` when nothing renews.")
    has_customer: bool = Field(description="Whether the org has a Stripe customer (the portal needs one).")


class Invoice(BaseModel):
    id: str
    number: str | None
    status: str | None
    currency: str
    amount_due: int = Field(description="In the currency's smallest unit (cents).")
    amount_paid: int
    total: int
    created: datetime
    period_start: datetime | None
    period_end: datetime | None
    hosted_invoice_url: str | None
    invoice_pdf: str | None


class InvoicePage(BaseModel):
    data: list[Invoice]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` at the end.")
