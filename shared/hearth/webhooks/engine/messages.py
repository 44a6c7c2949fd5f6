"""The message that tells a sender an attempt of a delivery is due (see ``hearth.queues``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

Lane = Literal["main", "retry"]


@dataclass(frozen=True, slots=True)
class DeliveryMessage:
    """Attempt number ``attempt`` of a delivery is due."""

    org_id: UUID
    delivery_id: UUID
    attempt: int
    lane: Lane

    def body(self) -> str:
        return json.dumps(
            {
                "org_id": str(self.org_id),
                "delivery_id": str(self.delivery_id),
                "attempt": self.attempt,
                "lane": self.lane,
            }
        )

    @classmethod
    def parse(cls, body: str) -> DeliveryMessage:
        data = json.loads(body)
        lane = data.get("lane", "main")
        attempt = int(data["attempt"])
        if lane not in ("main", "retry") or attempt < 1:
            raise ValueError("not a delivery message")
        return cls(
            org_id=UUID(data["org_id"]), delivery_id=UUID(data["delivery_id"]), attempt=attempt, lane=lane
        )
