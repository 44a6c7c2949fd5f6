"""What a webhook handler gets (:class:`HookContext`) and answers (:class:`HookReply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hearth import audit, outbox
from hearth.db import Connection
from hearth.hooks.providers.base import InboundRequest, Verified


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
class HookContext:
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
    def payload(self) -> Any:
        return self.delivery.payload

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: object = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit row in this transaction (the kit bound the actor and the request)."""
        audit.record(
            self.db,
            org_id=self.org_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            changes=changes,
        )

    def emit(
        self,
        type: str,
        resource_type: str,
        resource_id: object = None,
        data: dict[str, Any] | None = None,
    ) -> UUID:
        """Write a domain event into the outbox in this transaction (published after commit;
        the hook declares ``needs.EVENTS``)."""
        event_id = outbox.emit(
            self.db,
            org_id=self.org_id,
            actor=self.actor,
            type=type,
            resource_type=resource_type,
            resource_id=resource_id,
            data=data,
            request_id=self.request.request_id,
        )
        self.emitted.append(event_id)
        return event_id
