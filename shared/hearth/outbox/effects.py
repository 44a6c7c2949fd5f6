"""What a tenant transaction records besides its rows: audit rows and domain events, written in
that transaction by whoever acts in it (a route's ``RequestContext``, a webhook's
``HookContext``)::

    ctx.audit("deal.won", "deal", deal_id, changes={"stage": "won"})
    ctx.emit("deal.won", "deal", deal_id, data={...})   # relayed after commit
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth import audit
from hearth.db import Connection
from hearth.outbox import writer


class TransactionEffects:
    """Audit rows and outbox events for a context holding an open tenant transaction (``db``),
    its org, who acts (``actor``) and the request's id; the events it wrote are in ``emitted``."""

    db: Connection
    org_id: UUID
    emitted: list[UUID]

    @property
    def actor(self) -> tuple[str, str]:
        raise NotImplementedError

    @property
    def request_id(self) -> str:
        raise NotImplementedError

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: object = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit row in this transaction (who and from where: the audit context bound
        when the transaction was opened)."""
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
        """Write a domain event into the outbox in this transaction (published after commit)."""
        event_id = writer.emit(
            self.db,
            org_id=self.org_id,
            actor=self.actor,
            type=type,
            resource_type=resource_type,
            resource_id=resource_id,
            data=data,
            request_id=self.request_id,
        )
        self.emitted.append(event_id)
        return event_id
