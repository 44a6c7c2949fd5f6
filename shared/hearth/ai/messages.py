"""The message on the AI worker's queue: one run to carry out. The event dispatch consumer sends it
for each committed ``ai.run.queued`` event (``hearth.outbox.channels``)::

    message = AiRunMessage.parse(record.body)     # AiRunMessage(org_id=UUID(…), run_id=UUID(…))
    message.to_json()                            # '{"org_id": "…", "run_id": "…"}'

The message only wakes the worker up: the run's row says whether anything is left to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class AiRunMessage:
    org_id: UUID
    run_id: UUID

    def to_json(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "run_id": str(self.run_id)})

    #: As ``hearth.queues.send`` takes messages.
    body = to_json

    @classmethod
    def parse(cls, body: str) -> AiRunMessage:
        """The message of a record's body (``ValueError``/``KeyError`` when it is not one)."""
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), run_id=UUID(data["run_id"]))
