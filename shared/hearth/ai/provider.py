"""Anthropic's Messages API as the AI worker calls it: the one module that imports the
``anthropic`` SDK (from its own layer; no other function loads it)::

    client = provider.client(call_seconds=60)      # the platform key, HEARTH_ANTHROPIC_BASE_URL
    reply = provider.create(client, request, deadline=time.monotonic() + 100, call_seconds=60,
                            attempts=4, margin_seconds=5, run_id=run_id)
    # -> the SDK's Message, or ProviderFailed("provider_overloaded" | "timeout" | ...)

The SDK does not retry (``max_retries=0``): :func:`create` does, so that the waits and the calls
all end before the run's deadline. 429, 529, other 5xx and lost connections are retried,
waiting what ``retry-after`` (or ``retry-after-ms``) says, else backing off with jitter; a wait
that would pass the deadline fails at once. Other answers (400, 401, 403, 404, 413) are final.

The platform key comes from Secrets Manager through Powertools parameters on AWS (read again
after five minutes, so a rotated key is picked up), from ``HEARTH_ANTHROPIC_API_KEY`` locally.

The SDK logs each request's options (the prompt) at DEBUG and httpx each call at INFO: their
loggers are held at WARNING, whatever the function's level (or ``ANTHROPIC_LOG``). Errors are
read by status and error type only; their text is never logged or kept.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any
from uuid import UUID

import anthropic

from hearth.observability import logger
from hearth.platform_secrets import platform_secret
from hearth.settings import settings

for _name in ("anthropic", "httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

Client = anthropic.Anthropic

#: The stop reasons the Messages API documents (stored and logged; any other is stored "other").
STOP_REASONS = frozenset(
    {
        "end_turn",
        "max_tokens",
        "stop_sequence",
        "tool_use",
        "pause_turn",
        "refusal",
        "model_context_window_exceeded",
    }
)


class ProviderFailed(Exception):
    """The call failed for good: ``code`` says why (``provider_rate_limited``,
    ``provider_overloaded``, ``provider_unreachable``, ``provider_error``, ``timeout``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_client_lock = threading.Lock()
_clients: dict[tuple[str, str], anthropic.Anthropic] = {}


def client(call_seconds: float) -> anthropic.Anthropic:
    """The environment's client for the current key and base URL (a rotated key makes a new
    one), without the SDK's own retries."""
    key = api_key()
    base_url = settings().anthropic_base_url
    with _client_lock:
        made = _clients.get((key, base_url))
        if made is None:
            _clients.clear()
            made = _clients[(key, base_url)] = anthropic.Anthropic(
                api_key=key, base_url=base_url, max_retries=0, timeout=call_seconds
            )
        return made


def api_key() -> str:
    """The platform's Anthropic key (``hearth.platform_secrets``)."""
    return platform_secret("anthropic_api_key", "Anthropic API key", json_key="api_key")


def create(
    client: anthropic.Anthropic,
    request: dict[str, Any],
    *,
    deadline: float,
    call_seconds: float,
    attempts: int,
    margin_seconds: float,
    run_id: UUID | None = None,
) -> Any:
    """``messages.create(**request)``, retried on what the provider says is temporary, every
    call and wait ending ``margin_seconds`` before ``deadline`` (a ``time.monotonic()`` value)."""
    ids = {"run_id": str(run_id)} if run_id else {}
    attempt = 0
    while True:
        left = deadline - time.monotonic() - margin_seconds
        if left < 1:
            raise ProviderFailed("timeout")
        try:
            return client.messages.create(**request, timeout=min(call_seconds, left))
        except anthropic.APITimeoutError:
            raise ProviderFailed("timeout") from None
        except anthropic.APIConnectionError:
            code, wait = "provider_unreachable", None
        except anthropic.APIStatusError as exc:
            code, temporary = classify(exc)
            if not temporary:
                logger.warning(
                    "the AI provider refused the request", extra={**ids, "status": exc.status_code}
                )
                raise ProviderFailed(code) from None
            wait = retry_after(exc.response)
        attempt += 1
        pause = wait if wait is not None else min(8.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2)  # noqa: S311
        if attempt >= attempts or pause > deadline - time.monotonic() - margin_seconds - 1:
            raise ProviderFailed(code)
        logger.info(
            "AI provider busy: retrying",
            extra={**ids, "code": code, "attempt": attempt, "wait_seconds": round(pause, 2)},
        )
        time.sleep(pause)


def classify(exc: anthropic.APIStatusError) -> tuple[str, bool]:
    """A provider error answer as (code, temporary), by its status and error type."""
    kind = ""
    if isinstance(exc.body, dict):
        error = exc.body.get("error")
        kind = str(error.get("type", "")) if isinstance(error, dict) else ""
    status = exc.status_code
    if status == 429 or kind == "rate_limit_error":
        return "provider_rate_limited", True
    if status == 529 or kind == "overloaded_error":
        return "provider_overloaded", True
    if status in (408, 504):
        return "timeout", True
    if status >= 500:
        return "provider_error", True
    return "provider_error", False


def retry_after(response: Any) -> float | None:
    """Seconds the provider asks to wait (``retry-after-ms``, or ``retry-after`` in seconds), as
    asked: a wait past the deadline fails the call instead of retrying early."""
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) / scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None
