"""Signed outbound webhooks, one wing whose dependencies run one way::

endpoints/, deliveries/   the API side: models and rules of the routes
      |
engine/                   fanout (an event -> one delivery per matching endpoint), sender (one
      |                   signed attempt, retried on schedule), dispatcher (releases held
      |                   deliveries fairly), ssrf/transport, schedule, secrets; signing is
      |                   hearth.standard_webhooks (the inbound kit verifies with it too)
store/                    the SQL: endpoint rows and the delivery ledger
"""
