"""The signing keys of one provider account, for the inbound webhook kit (``hearth.hooks``)::

    keys = signing_keys("twilio", account_sid)   # [AccountKey(secret, org_id), ...]

A provider that signs with a per-account secret (Twilio signs with the account's auth token)
names the account in the delivery; the database's one narrow lookup
(``integration_signing_keys``, run as the app role outside any tenant) returns that account's
sealed signing secret — and the previous one while its rotation overlap lasts — and the org they
belong to, nothing else. The secrets open only under that org's binding.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from hearth import db
from hearth.db import Connection
from hearth.integrations import providers, store
from hearth.integrations.secrets import binding


class AccountKey(NamedTuple):
    """A secret an account's deliveries may be signed with, and the org the account belongs to
    (the webhook kit's providers turn it into their ``SigningKey``)."""

    secret: str
    org_id: UUID


def signing_keys(provider: str, account: str, *, conn: Connection | None = None) -> list[AccountKey]:
    """The current signing key of ``provider``'s ``account`` (and the previous one within 24
    hours of a rotation), each with its org; ``[]`` for an account no org connected. ``conn``: a
    transaction already open (else one is opened as the app role, outside any tenant)."""
    known = providers.get(provider)
    if known is None or known.signing_field is None or not account:
        return []
    if conn is None:
        with db.database("app").transaction() as own:
            rows = store.signing_keys(own, provider, account)
    else:
        rows = store.signing_keys(conn, provider, account)
    keys = []
    for row in rows:
        sealing = binding(row["org_id"], provider, known.signing_field)
        keys.append(AccountKey(sealing.open(row["sealed"]), row["org_id"]))
        if row["previous_sealed"] is not None:
            keys.append(AccountKey(sealing.open(row["previous_sealed"]), row["org_id"]))
    return keys
