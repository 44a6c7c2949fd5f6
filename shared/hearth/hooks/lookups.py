"""Which org a verified delivery belongs to, through a narrow lookup: one SQL function per kind
of key (a phone number, a Stripe customer, a GitHub installation), ``SECURITY DEFINER`` and
granted to the app role, which answers one org id for one key and reveals nothing else. The
app role cannot read other orgs' rows itself (row-level security), so a webhook, which arrives
before any org is known, asks the function::

    org = lookups.org_by("hearth_org_of_phone_number", lambda d: d.payload.get("To"))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from uuid import UUID

from hearth import db
from hearth.hooks.providers.base import Verified

_FUNCTION = re.compile(r"^hearth_org_of_[a-z0-9_]{1,40}$")


def org_of(function: str, key: str) -> UUID | None:
    """The org the lookup ``function`` names for ``key`` (one statement, one round trip)."""
    if not _FUNCTION.match(function):
        raise ValueError(f"{function!r} is not an org lookup (hearth_org_of_<kind>)")
    row = db.database("app").run_once(f"SELECT {function}(%(key)s) AS org_id", {"key": key})
    value = row["org_id"] if row else None
    return UUID(str(value)) if value else None


def org_by(function: str, key: Callable[[Verified], str | None]) -> Callable[[Verified], UUID | None]:
    """An org resolver for ``Hook.post(org=...)``: ``key`` reads the lookup's key from the
    verified delivery (no key: no org)."""

    def resolve(delivery: Verified) -> UUID | None:
        value = key(delivery)
        return org_of(function, value) if value else None

    return resolve
