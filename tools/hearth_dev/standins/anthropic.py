"""The Anthropic Messages API as Hearth uses it: ``POST /v1/messages`` (not streamed) and
``GET /v1/models``, with the API's error shape (``{"type": "error", "error": {"type",
"message"}}``; 429 ``rate_limit_error``, 529 ``overloaded_error``).

Point the real SDK at it (``HEARTH_ANTHROPIC_BASE_URL``)::

    client = anthropic.Anthropic(api_key=key, base_url=standin.url)
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=256,
                                     messages=[{"role": "user", "content": "Hello"}])

What it answers, deterministically:

- **Tool use.** When the request offers ``tools`` (and ``tool_choice`` is not ``none``), the
  answer is a ``tool_use`` turn (``stop_reason`` ``tool_use``) calling the next tool queued with
  :meth:`AnthropicStandIn.reply_with_tool`; with none queued, when the last user turn is not a
  ``tool_result`` and no text reply is queued either, a tool chosen by a rule: the first tool
  whose name's last word (``search_deals`` -> ``deal``) appears in the question, else the first
  tool; its required string inputs and its ``query``, if it has one, are the question's first
  quoted phrase (or the question itself; the question is the ``question`` of a JSON document in
  the user turn, when there is one). A ``tool_result`` turn must answer every ``tool_use``
  of the turn before it (else 400, as the API answers).
- **Text.** The next of :attr:`AnthropicStandIn.replies` when some are queued; else, when the
  system prompt says "JSON schema:" followed by a schema, a JSON object made from that schema
  (required fields only; strings quote the last user text, so placeholders in it come back);
  else a short text that quotes the last user message.
- **Usage** counts words as tokens (an estimate, not Claude's tokenizer). A system prompt (with
  the tools before it) marked ``cache_control`` is written to the cache the first time
  (``cache_creation_input_tokens``) and read from it after (``cache_read_input_tokens``); the
  rest is ``input_tokens``. A reply longer than ``max_tokens`` is cut and stops with
  ``max_tokens``.
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
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
    """The text of a message's content: its text blocks and what its tool results hold."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif block.get("type") == "tool_result":
                parts.append(_text_of(block.get("content")))
            elif block.get("type") == "tool_use":
                parts.append(json.dumps(block.get("input", {})))
        return " ".join(p for p in parts if p)
    return ""


def _blocks(content: Any, kind: str) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict) and b.get("type") == kind]


_SCHEMA_MARK = "JSON schema:"
_QUOTED = re.compile('["\u201c\u2018]([^"\u201d\u2019]{2,100})["\u201d\u2019]')


def _schema_in(system: str) -> dict[str, Any] | None:
    """The JSON schema a system prompt asks the answer to match (after "JSON schema:"), if any."""
    at = system.find(_SCHEMA_MARK)
    start = system.find("{", at) if at >= 0 else -1
    if start < 0:
        return None
    try:
        schema, _ = json.JSONDecoder().raw_decode(system[start:])
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


def _instance(schema: dict[str, Any], defs: dict[str, Any], text: str, depth: int = 0) -> Any:  # noqa: PLR0911, PLR0912
    """A small value matching ``schema`` (required fields only; strings quote ``text``)."""
    if depth > 8:
        return None
    if "$ref" in schema:
        return _instance(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {}), defs, text, depth + 1)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _instance(options[0], defs, text, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _instance(properties.get(name, {}), defs, text, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        if schema.get("maxItems") == 0:
            return []
        return [_instance(schema.get("items", {}), defs, text, depth + 1)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if schema.get("format") == "date":
        return "2030-01-01"
    if schema.get("format") == "uuid":
        return str(uuid.UUID(int=0))
    limit = int(schema.get("maxLength", 200))
    return ("(local stand-in) " + " ".join(text.split()))[: max(1, min(limit, 200))]


def _question_in(text: str) -> str:
    """The question of a user turn: the ``question`` of the JSON document it holds, if any (a
    context document), else the whole text."""
    start = text.find("{")
    if start >= 0:
        try:
            document, _ = json.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("question"), str):
            return str(document["question"])
    return text


def _rule_tool(
    tools: list[dict[str, Any]], question: str, forced: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The tool (and its input) the stand-in calls for ``question``, by a fixed rule (the tool
    ``forced`` by ``tool_choice``, when one is)."""
    lowered = question.lower()

    def noun(name: str) -> str:
        word = name.rsplit("_", 1)[-1]
        return {"people": "person", "companies": "compan"}.get(word, word.rstrip("s"))

    chosen = next(
        (t for t in tools if t.get("name") == forced)
        if forced
        else (t for t in tools if noun(str(t.get("name", ""))) in lowered),
        tools[0],
    )
    quoted = _QUOTED.search(question)
    value = quoted.group(1) if quoted else " ".join(question.split())[:100]
    schema = chosen.get("input_schema") or {}
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    arguments: dict[str, Any] = {}
    wanted = list(schema.get("required", [])) if isinstance(schema, dict) else []
    if "query" in properties and "query" not in wanted:  # a search is asked what the question names
        wanted.append("query")
    for name in wanted:
        spec = properties.get(name, {})
        takes_text = spec.get("type") == "string" or any(
            o.get("type") == "string" for o in spec.get("anyOf", [])
        )
        arguments[name] = value if takes_text else _instance(spec, {}, value)
    return str(chosen["name"]), arguments


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
        (
            "tools" in body
            and (
                not isinstance(body["tools"], list)
                or not all(
                    isinstance(t, dict) and t.get("name") and "input_schema" in t for t in body["tools"]
                )
            ),
            400,
            "tools: each tool needs a name and an input_schema",
        ),
        (body.get("model") not in {m for m, _, _ in MODELS}, 404, f"model: {body.get('model')}"),
    ]
    return next(((status, message) for failed, status, message in problems if failed), None)


def _unanswered_tools(messages: list[Any]) -> tuple[int, str] | None:
    """Why a conversation's tool turns are refused (as the API refuses them), if they are: each
    ``tool_use`` must be answered by a ``tool_result`` in the next (user) turn, and a
    ``tool_result`` must answer a ``tool_use`` of the turn before it."""
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return 400, f"messages.{i}: must be an object"
        results = {str(b.get("tool_use_id")) for b in _blocks(message.get("content"), "tool_result")}
        previous = messages[i - 1] if i > 0 and isinstance(messages[i - 1], dict) else {}
        asked = {str(b.get("id")) for b in _blocks(previous.get("content"), "tool_use")}
        if results - asked:
            return 400, (
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks. Each"
                " `tool_result` block must have a corresponding `tool_use` block in the previous message."
            )
        if asked and (message.get("role") != "user" or asked - results):
            return 400, (
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after."
                " Each `tool_use` block must have a corresponding `tool_result` block in the next message."
            )
    return None


class AnthropicStandIn(StandIn):
    name = "anthropic"

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.replies: collections.deque[str] = collections.deque()
        self.tool_calls: collections.deque[tuple[str, dict[str, Any]]] = collections.deque()
        self._cached: set[str] = set()
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

    def reply_with_tool(self, name: str, arguments: dict[str, Any] | None = None) -> None:
        """Answer the next request that offers tools with a call of tool ``name`` (in order)."""
        with self._replies_lock:
            self.tool_calls.append((name, dict(arguments or {})))

    def create_message(self, request: Request) -> Answer:
        try:
            body = request.json()
        except ValueError:
            return self.error(400, "There was an error parsing the body of your request.")
        problem = _invalid(body) or _unanswered_tools(body["messages"])
        if problem:
            return self.error(*problem)
        max_tokens = body["max_tokens"]
        messages = body["messages"]
        system = _text_of(body.get("system"))
        last = messages[-1] if isinstance(messages[-1], dict) else {}
        after_tool = bool(_blocks(last.get("content"), "tool_result"))
        last_user = _text_of(last.get("content")) if last.get("role") == "user" else ""
        question = next(
            (
                _text_of(m.get("content"))
                for m in messages
                if isinstance(m, dict)
                and m.get("role") == "user"
                and not _blocks(m.get("content"), "tool_result")
            ),
            "",
        )
        tools = body.get("tools") or []
        choice = body.get("tool_choice") or {"type": "auto"}
        content: list[dict[str, Any]]
        with self._replies_lock:
            call: tuple[str, dict[str, Any]] | None = None
            if tools and choice.get("type") != "none":
                if self.tool_calls:
                    call = self.tool_calls.popleft()
                elif not after_tool and (not self.replies or choice.get("type") in ("any", "tool")):
                    forced = str(choice.get("name")) if choice.get("type") == "tool" else None
                    call = _rule_tool(tools, _question_in(question), forced)
            text = self.replies.popleft() if call is None and self.replies else None
        if call is not None:
            content = [
                {
                    "type": "tool_use",
                    "id": "toolu_local" + uuid.uuid4().hex[:16],
                    "name": call[0],
                    "input": call[1],
                }
            ]
            stop_reason = "tool_use"
            output = _tokens(json.dumps(call[1])) + 5
        else:
            if text is None:
                schema = _schema_in(system)
                if schema is not None:
                    text = json.dumps(_instance(schema, schema.get("$defs", {}), last_user or question))
                else:
                    text = f"(local stand-in) You said: {last_user[:200]}"
            words = text.split()
            stop_reason = "end_turn"
            if len(words) > max_tokens:
                text = " ".join(words[:max_tokens])
                stop_reason = "max_tokens"
            content = [{"type": "text", "text": text}]
            output = _tokens(text)
        return Answer.json(
            200,
            {
                "id": "msg_local" + uuid.uuid4().hex[:20],
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": stop_reason,
                "stop_sequence": None,
                "usage": {**self._input_usage(body), "output_tokens": output, "service_tier": "standard"},
            },
        )

    def _input_usage(self, body: dict[str, Any]) -> dict[str, int]:
        """Input tokens, split as the API splits them when the prompt's prefix is cached: the tools
        and a system prompt marked ``cache_control`` are written once, then read."""
        system = body.get("system")
        blocks = system if isinstance(system, list) else []
        marked = any(isinstance(b, dict) and b.get("cache_control") for b in blocks)
        prefix_text = (json.dumps(body["tools"]) if body.get("tools") else "") + " " + _text_of(system)
        rest = " ".join(_text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict))
        if not marked:
            return {
                "input_tokens": _tokens(prefix_text + " " + rest),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            }
        key = hashlib.sha256((str(body["model"]) + prefix_text).encode()).hexdigest()
        with self._replies_lock:
            seen = key in self._cached
            self._cached.add(key)
        prefix = _tokens(prefix_text)
        return {
            "input_tokens": _tokens(rest),
            "cache_creation_input_tokens": 0 if seen else prefix,
            "cache_read_input_tokens": prefix if seen else 0,
        }

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
