"""The demo tenant of the local stack: fixed ids, so the sample events in ``events/`` can be
invoked against a seeded local database (``hearth invoke``)."""

from __future__ import annotations

from uuid import UUID

DEMO_ORG_ID = UUID("0d3c5a4e-8f41-4c55-9a6f-1f2e3d4c5b6a")
DEMO_USER_ID = UUID("5b8e2c1d-3a7f-4e29-8c64-7d9a0b1c2e3f")
DEMO_USER_SUBJECT = "demo|owner"
DEMO_USER_EMAIL = "owner@demo.hearth.local"
DEMO_API_KEY_ID = UUID("a1f0c9e8-7d6b-4a5c-9e3f-2b1d0c9e8f7a")
#: The demo API key's secret. Local development only: the seed stores its keyed hash with the
#: local pepper; nothing outside ``hearth local`` ever accepts it.
DEMO_API_KEY = "hk_DemoDemoDemoLocalOnlyKey0000000000000000"
