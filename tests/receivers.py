"""A loopback webhook receiver for tests: answers every POST with 200 and keeps what it got
(a stand-in of the framework in ``hearth_dev.standins``, so it records the same way)::

    with Receiver() as receiver:
        standin.send_event(..., receiver.url + "/webhooks/stripe")
        got = receiver.wait_for(1)   # newest first
"""

from __future__ import annotations

import time

from hearth_dev.standins.server import Answer, Request, StandIn


class Receiver(StandIn):
    name = "receiver"

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status
        self.bodies: list[tuple[Request, bytes]] = []
        self.route("POST", r"/.*", self._receive)

    def _receive(self, request: Request) -> Answer:
        self.bodies.append((request, request.body))
        return Answer.json(self.status, {"received": True})

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """The first ``count`` requests received, oldest first."""
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.bodies)} of {count} requests received within {timeout}s")
            time.sleep(0.02)
        return [request for request, _ in self.bodies[:count]]
