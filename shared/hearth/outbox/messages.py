"""The message that tells the dispatch queue a committed domain event is ready to fan out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class DispatchMessage:
    """A committed domain event to fan out to the org's endpoints."""

    org_id: UUID
    event_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "event_id": str(self.event_id)})

    @classmethod
    def parse(cls, body: str) -> DispatchMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), event_id=UUID(data["event_id"]))
