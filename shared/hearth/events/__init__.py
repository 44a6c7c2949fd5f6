"""Domain events: reading the org's event log (``GET /v1/events``) and relaying committed
events from the outbox to the dispatch queue (right after commit, and by the sweep)."""
