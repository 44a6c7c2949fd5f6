"""What a request must be before a route sees it, checked once by the kit for every route: a body
of at most :data:`MAX_BYTES`, sent as JSON (``Content-Type: application/json``, UTF-8), nested at
most :data:`MAX_DEPTH` deep, and no NUL character (U+0000, which PostgreSQL refuses in text) in
any string of the body, the query or the path::

    intake.check(request.headers.get("content-type"), request.body)   # 413, 415, 400 or 422
    intake.check_parameters(request.query, "query")                     # 422 naming the parameter

Powertools then parses and validates the same bytes, which are known to be well formed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hearth.problems import BadRequest, Problem, Unprocessable, field_error

#: Largest body accepted (a batch of 100 records fits many times over).
MAX_BYTES = 1024 * 1024
#: Deepest nesting of objects and arrays accepted in a JSON body.
MAX_DEPTH = 32
JSON_MEDIA_TYPE = "application/json"
_NUL = "\x00"


def _too_large(size: int) -> Problem:
    return Problem(
        "body_too_large", f"The request body is {size} bytes; at most {MAX_BYTES} are accepted.", status=413
    )


def unsupported_media_type(media_type: str = "") -> Problem:
    """415: the body is not JSON."""
    return Problem(
        "unsupported_media_type",
        f"Send the body as JSON (Content-Type: {JSON_MEDIA_TYPE})"
        + (f", not {media_type}." if media_type else "."),
        status=415,
        headers={"Accept": JSON_MEDIA_TYPE},
    )


def _malformed(detail: str) -> BadRequest:
    return BadRequest("malformed_json", detail)


def _nul(field: str, location: str) -> Unprocessable:
    return Unprocessable(
        "validation_failed",
        "The request has invalid fields.",
        errors=[
            field_error(field, "Text may not contain the NUL character (U+0000).", "nul_character", location)
        ],
    )


def check_media_type(content_type: str | None) -> None:
    """415 unless ``content_type`` is JSON in UTF-8 (no Content-Type at all is taken as JSON)."""
    if not content_type or not content_type.strip():
        return
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if media_type.lower() != JSON_MEDIA_TYPE:
        raise unsupported_media_type(media_type)
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise unsupported_media_type(content_type.strip())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes) -> Any:
    """The JSON document in ``raw``: 400 ``malformed_json`` when it is not UTF-8 JSON, 400
    ``body_too_deep`` past :data:`MAX_DEPTH`, 422 naming the field of a string with a NUL."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("The request body is not UTF-8 text.") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # JSONDecodeError included
        raise _malformed("The request body is not valid JSON.") from None
    # Cheap bounds first: most bodies cannot be too deep and carry no escaped NUL.
    deep = text.count("{") + text.count("[") > MAX_DEPTH
    if deep or "\\u0000" in text:
        _walk(value, check_depth=deep)
    return value


def _too_deep() -> BadRequest:
    return BadRequest("body_too_deep", f"The JSON body is nested more than {MAX_DEPTH} levels deep.")


def _walk(value: Any, *, check_depth: bool) -> None:
    """Iteratively (no recursion), the depth of ``value`` and the strings that hold a NUL."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if _NUL in node:
                raise _nul(path, "body")
            continue
        if isinstance(node, dict):
            items: Iterable[tuple[str, Any]] = node.items()
        elif isinstance(node, list):
            items = ((str(i), v) for i, v in enumerate(node))
        else:
            continue
        if check_depth and depth >= MAX_DEPTH:
            raise _too_deep()
        for key, child in items:
            name = f"{path}.{key}" if path else key
            if _NUL in key:
                raise _nul(name, "body")
            stack.append((child, depth + 1, name))


def check_parameters(pairs: Iterable[tuple[str, str | None]], location: str) -> None:
    """422 naming the first query or path parameter whose name or value holds a NUL."""
    for name, value in pairs:
        if _NUL in name or (value is not None and _NUL in value):
            raise _nul(name, location)


def check(content_type: str | None, raw: bytes) -> Any:
    """Check a request body (see the module docstring); the parsed document, or ``None`` when
    there is no body."""
    if len(raw) > MAX_BYTES:
        raise _too_large(len(raw))
    if not raw.strip():
        return None
    check_media_type(content_type)
    return parse(raw)
