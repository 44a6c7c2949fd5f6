"""The ``X-Hearth-Org`` header: the org a user's request acts in, read the same way by the
authorizer and by the route kit::

    requested_org({"x-hearth-org": " 0b9…  "})   # "0b9…" (canonical UUID text), "" when absent
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

ORG_HEADER = "x-hearth-org"


class MalformedOrgHeader(ValueError):
    """The header is present but is not an org id (a UUID)."""


def requested_org(headers: Mapping[str, str]) -> str:
    """The org id the request names (lowercased header names), as canonical UUID text; "" when
    the header is absent or blank; :class:`MalformedOrgHeader` when it is not a UUID."""
    value = (headers.get(ORG_HEADER) or "").strip()
    if not value:
        return ""
    try:
        return str(UUID(value))
    except ValueError as exc:
        raise MalformedOrgHeader(value) from exc
