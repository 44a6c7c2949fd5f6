"""Mentions in a note's text: ``@[user:<uuid>]`` names a user by id (the front end writes it
when a member is picked from the org's members, and shows it as ``@Name``)::

    mentioned("Thanks @[user:1b9d…] and @[user:1b9d…]!")   # {UUID("1b9d…")}
    added("old text", "new text")                          # the users mentioned in new, not in old
    shown("Ask @[user:1b9d…]", {UUID("1b9d…"): "Ada"})     # "Ask @Ada"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from uuid import UUID

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
MENTION = re.compile(r"@\[user:(" + _UUID + r")\]")


def mentioned(text: str | None) -> set[UUID]:
    return {UUID(m) for m in MENTION.findall(text or "")}


def added(before: str | None, after: str | None) -> set[UUID]:
    return mentioned(after) - mentioned(before)


def shown(text: str, names: Mapping[UUID, str]) -> str:
    """The text with each mention as ``@Name`` (``@someone`` for users not named)."""
    return MENTION.sub(lambda m: "@" + names.get(UUID(m.group(1)), "someone"), text)
