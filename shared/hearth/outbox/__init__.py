"""The outbox (handbook rule 6): domain events written in the writer's transaction, relayed to
the dispatch queue after commit and swept up every minute when the relay missed them."""

from hearth.outbox.relay import after_commit, publishers
from hearth.outbox.writer import MAX_PAYLOAD_BYTES, emit

__all__ = ["MAX_PAYLOAD_BYTES", "after_commit", "emit", "publishers"]
