"""What a stand-in deals in: a :class:`Request` as received, the :class:`Answer` a handler gives,
a :class:`Fault` it was told to answer with, and what it keeps: :class:`Recorded` requests and
:class:`Callback` deliveries, credentials redacted."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

#: Bodies are recorded up to this many bytes.
RECORDED_BODY_BYTES = 64 * 1024
#: Headers whose values are never recorded (credentials).
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "proxy-authorization", "cookie"})
ids = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def text(body: bytes) -> str:
    return body[:RECORDED_BODY_BYTES].decode("utf-8", errors="replace")


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as recorded: a credential's scheme is kept, its value never."""
    shown: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            shown[name] = f"{scheme} [redacted]" if rest else "[redacted]"
        else:
            shown[name] = value
    return shown


@dataclass(frozen=True)
class Request:
    """One request as the stand-in received it (header names lowercased)."""

    method: str
    path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query, keep_blank_values=True)

    def form(self) -> dict[str, list[str]]:
        """A form-encoded body, every value of a repeated name kept."""
        return parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def bearer(self) -> str | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass
class Answer:
    """What a handler answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> Answer:
        return cls(
            status,
            json.dumps(document).encode("utf-8"),
            {"Content-Type": "application/json", **(headers or {})},
        )


@dataclass
class Fault:
    """A failure the stand-in answers with instead of its usual answer.

    ``status`` (``None``: answer normally, only late), after ``delay`` seconds (longer than the
    client's timeout: a timeout), for the next ``times`` requests whose path starts with
    ``paths``. A 429 or 503 carries ``Retry-After: retry_after``."""

    status: int | None = 500
    times: int = 1
    delay: float = 0.0
    paths: str = "/"
    retry_after: int = 1
    message: str = ""
    id: int = field(default_factory=lambda: next(ids))

    def __post_init__(self) -> None:
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("a fault's status is an error status (400-599)")
        if self.times < 1:
            raise ValueError("a fault applies at least once (times >= 1)")
        if not 0 <= self.delay <= 300:
            raise ValueError("a fault's delay is 0 to 300 seconds")
        if not self.paths.startswith("/"):
            raise ValueError("a fault's paths is a path prefix starting with /")


@dataclass
class Recorded:
    """One request as recorded (credentials redacted), with the stand-in's answer."""

    id: int
    time: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    status: int = 0
    answer: str = ""
    fault: int | None = None  # the id of the fault that answered, if one did
    seconds: float = 0.0


@dataclass
class Callback:
    """A call the stand-in made back to Hearth (a webhook delivery), with the answer it got."""

    id: int
    time: str
    url: str
    headers: dict[str, str]
    body: str
    status: int | None = None  # None: no answer (``error`` says why)
    answer: str = ""
    error: str = ""
    label: str = ""  # what it was: "message status delivered", "event customer.updated", ...
