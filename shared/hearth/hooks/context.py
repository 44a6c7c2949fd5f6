"""What a webhook handler gets (:class:`HookContext`) and answers (:class:`HookReply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hearth.db import Connection
from hearth.hooks.providers.base import InboundRequest, Verified
from hearth.outbox.effects import TransactionEffects


@dataclass(frozen=True, slots=True)
class HookReply:
    """The answer to the provider: 200 with an empty body unless a handler says otherwise
    (Twilio reads TwiML from it: ``HookReply(body="<Response/>", content_type="text/xml")``)."""

    status: int = 200
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError("a reply's status is an HTTP status")


@dataclass
class HookContext(TransactionEffects):
    """One verified delivery, in its org's open transaction (row-level security scopes every
    statement to ``org_id``; its receipt is already written in it). A handler stores, audits
    and emits here, fast; anything slow goes to a queue."""

    org_id: UUID
    provider: str
    delivery: Verified
    request: InboundRequest
    db: Connection
    emitted: list[UUID] = field(default_factory=list)

    @property
    def actor(self) -> tuple[str, str]:
        """Who the audit rows and events of a delivery name: the provider, through its webhook."""
        return "system", f"webhook:{self.provider}"

    @property
    def request_id(self) -> str:
        return self.request.request_id

    @property
    def payload(self) -> Any:
        return self.delivery.payload
