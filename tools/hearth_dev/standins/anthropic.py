"""The Anthropic Messages API as Hearth uses it: ``POST /v1/messages`` (not streamed) and
``GET /v1/models``, with the API's error shape (``{"type": "error", "error": {"type",
"message"}}``; 429 ``rate_limit_error``, 529 ``overloaded_error``).

Point the real SDK at it (``HEARTH_ANTHROPIC_BASE_URL``)::

    client = anthropic.Anthropic(api_key=key, base_url=standin.url)
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=256,
                                     messages=[{"role": "user", "content": "Hello"}])

The reply is the next of :attr:`AnthropicStandIn.replies` when some are queued, else a short text
that quotes the last user message; usage counts words as tokens (an estimate, not Claude's
tokenizer). A reply longer than ``max_tokens`` is cut and stops with ``max_tokens``.
"""

from __future__ import annotations

import collections
import secrets
import threading
import uuid
from typing import Any

from hearth_dev.standins.server import Answer, Request, StandIn

MODELS = (
    ("claude-opus-4-1", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
)
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(block.get("text", ""))
            for block in content
            if isinstance(block, dict) and block.get("type") == "text"
        )
    return ""


def _invalid(body: Any) -> tuple[int, str] | None:
    """Why a Messages request is refused (status, message), if it is."""
    if not isinstance(body, dict):
        return 400, "The request body is not a JSON object."
    missing = [name for name in ("model", "max_tokens", "messages") if name not in body]
    problems = [
        (bool(missing), 400, f"{missing[0] if missing else ''}: Field required"),
        (bool(body.get("stream")), 400, "stream: the local stand-in answers whole messages only"),
        (
            not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1,
            400,
            "max_tokens: Input should be greater than or equal to 1",
        ),
        (
            not isinstance(body.get("messages"), list) or not body["messages"],
            400,
            "messages: at least one message is required",
        ),
        (body.get("model") not in {m for m, _, _ in MODELS}, 404, f"model: {body.get('model')}"),
    ]
    return next(((status, message) for failed, status, message in problems if failed), None)


class AnthropicStandIn(StandIn):
    name = "anthropic"

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.replies: collections.deque[str] = collections.deque()
        self._replies_lock = threading.Lock()
        self.route("POST", r"/v1/messages", self.create_message)
        self.route("GET", r"/v1/models", self.list_models)

    def error(self, status: int, message: str) -> Answer:
        kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return Answer.json(
            status,
            {"type": "error", "error": {"type": kind, "message": message}, "request_id": self._request_id()},
            {"request-id": self._request_id()},
        )

    @staticmethod
    def _request_id() -> str:
        return "req_local" + uuid.uuid4().hex[:16]

    def _dispatch(self, request: Request) -> Answer:
        key = request.headers.get("x-api-key") or request.bearer() or ""
        if not key or not secrets.compare_digest(key, self.api_key):
            return self.error(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return self.error(400, "anthropic-version: header is required")
        answer = super()._dispatch(request)
        answer.headers.setdefault("request-id", self._request_id())
        return answer

    def reply_with(self, *texts: str) -> None:
        """Answer the next messages with ``texts``, in order."""
        with self._replies_lock:
            self.replies.extend(texts)

    def create_message(self, request: Request) -> Answer:
        try:
            body = request.json()
        except ValueError:
            return self.error(400, "There was an error parsing the body of your request.")
        problem = _invalid(body)
        if problem:
            return self.error(*problem)
        max_tokens = body["max_tokens"]
        messages = body["messages"]
        prompt = " ".join(_text_of(m.get("content")) for m in messages if isinstance(m, dict))
        prompt += " " + _text_of(body.get("system"))
        last_user = next(
            (
                _text_of(m.get("content"))
                for m in reversed(messages)
                if isinstance(m, dict) and m.get("role") == "user"
            ),
            "",
        )
        with self._replies_lock:
            text = self.replies.popleft() if self.replies else f"(local stand-in) You said: {last_user[:200]}"
        words = text.split()
        stop_reason = "end_turn"
        if len(words) > max_tokens:
            text = " ".join(words[:max_tokens])
            stop_reason = "max_tokens"
        return Answer.json(
            200,
            {
                "id": "msg_local" + uuid.uuid4().hex[:20],
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": text}],
                "stop_reason": stop_reason,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": _tokens(prompt),
                    "output_tokens": _tokens(text),
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "service_tier": "standard",
                },
            },
        )

    def list_models(self, request: Request) -> Answer:
        data = [
            {
                "type": "model",
                "id": model_id,
                "display_name": name,
                "created_at": created,
                "lifecycle": "active",
            }
            for model_id, name, created in MODELS
        ]
        return Answer.json(
            200, {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        )
