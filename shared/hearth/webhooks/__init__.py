"""Signed outbound webhooks: the delivery engine behind ``webhook_endpoints`` and
``webhook_deliveries``.

    fanout      an event from the dispatch queue -> one delivery per matching endpoint
    sender      a delivery message -> one signed HTTP attempt, logged, retried on schedule
    dispatcher  the schedule that releases deliveries held in the database (long waits, failing
                endpoints) to the retry lane, fairly across orgs and endpoints
    ssrf        which addresses a webhook may reach; transport connects to the checked address
    signing     Standard Webhooks headers; schedule: retry waits, jitter, Retry-After
"""
