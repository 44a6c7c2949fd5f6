"""Endpoint signing secrets at rest: envelope-encrypted (``hearth.crypto``), bound to the org and
the endpoint, so a ciphertext moved to another row or tenant does not open::

    blob = seal(org_id, endpoint_id, "whsec_…")
    unseal(org_id, endpoint_id, blob)   # "whsec_…"
"""

from __future__ import annotations

from uuid import UUID

from hearth import crypto


def _binding(org_id: UUID | str, endpoint_id: UUID | str) -> crypto.Binding:
    return crypto.bound("webhook_endpoint_secret", org_id=org_id, endpoint_id=endpoint_id)


def seal(org_id: UUID | str, endpoint_id: UUID | str, secret: str) -> bytes:
    return _binding(org_id, endpoint_id).seal(secret)


def unseal(org_id: UUID | str, endpoint_id: UUID | str, blob: bytes) -> str:
    return _binding(org_id, endpoint_id).open(blob)
