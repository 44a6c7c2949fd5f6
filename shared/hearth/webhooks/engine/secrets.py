"""Endpoint signing secrets at rest: envelope-encrypted (``hearth.crypto``), bound to the org and
the endpoint, so a ciphertext moved to another row or tenant does not open::

    blob = seal(org_id, endpoint_id, "whsec_…")
    unseal(org_id, endpoint_id, blob)   # "whsec_…"
"""

from __future__ import annotations

from uuid import UUID

from hearth import crypto


def _context(org_id: UUID | str, endpoint_id: UUID | str) -> dict[str, str]:
    return {"purpose": "webhook_endpoint_secret", "org_id": str(org_id), "endpoint_id": str(endpoint_id)}


def seal(org_id: UUID | str, endpoint_id: UUID | str, secret: str) -> bytes:
    return crypto.seal(secret.encode(), _context(org_id, endpoint_id))


def unseal(org_id: UUID | str, endpoint_id: UUID | str, blob: bytes) -> str:
    return crypto.open_sealed(blob, _context(org_id, endpoint_id)).decode()
