"""Integration secrets at rest: envelope-encrypted (``hearth.crypto``), bound to the org, the
provider and the field, so a blob copied to another org or field does not open::

    sealed = binding(org_id, "twilio", "auth_token").seal(token)
    binding(org_id, "twilio", "auth_token").open(sealed)   # token
"""

from __future__ import annotations

from uuid import UUID

from hearth import crypto


def binding(org_id: UUID | str, provider: str, field: str) -> crypto.Binding:
    return crypto.bound("integration_secret", org_id=org_id, provider=provider, field=field)


def hint(value: str) -> str:
    """What a secret shows of itself: its last four characters."""
    return value[-4:]
