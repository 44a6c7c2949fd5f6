"""Signed bodies, parsed the way providers send them (after their signature verified)::

    json_object(b'{"id": "evt_1"}')          # {"id": "evt_1"}
    form(b"To=%2B1555&Body=a+b&Body=c")      # [("To", "+1555"), ("Body", "a b"), ("Body", "c")]

A body that verified but is not what the provider documents is refused like a bad signature:
nothing is stored from it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from hearth.hooks.providers.base import SignatureInvalid


def text(body: bytes) -> str:
    """The body as UTF-8 text (what every provider sends)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureInvalid("the body is not UTF-8") from None


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object."""
    try:
        payload = json.loads(text(body))
    except ValueError:
        raise SignatureInvalid("the signed body is not JSON") from None
    if not isinstance(payload, dict):
        raise SignatureInvalid("the signed body is not a JSON object")
    return payload


def form(body: bytes) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body as its pairs, in order, repeats and blank
    values kept (``+`` and ``%20`` are both a space)."""
    try:
        return parse_qsl(text(body), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise SignatureInvalid("the body is not a UTF-8 form") from None
