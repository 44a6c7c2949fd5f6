"""Stripe's wire format as the stand-in reads and writes it: form bodies as stripe-python encodes
them (``metadata[plan]=pro``, ``line_items[0][price]=…``) and object ids (``cus_…``)."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def decode_form(body: bytes) -> dict[str, Any]:
    """A form body as stripe-python encodes it, back into nested objects and lists."""
    root: dict[str, Any] = {}
    for name, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        keys = [a or b for a, b in _KEY.findall(name)]
        node = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    decoded: dict[str, Any] = _lists(root)
    return decoded


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    values = {key: _lists(value) for key, value in node.items()}
    if values and all(key.isdigit() for key in values):
        return [values[key] for key in sorted(values, key=int)]
    return values


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'a').replace('_', 'b')}"
