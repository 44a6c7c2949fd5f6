"""The GitHub stand-in (app JWT auth, installation tokens, signed deliveries) and the Anthropic
stand-in through the anthropic SDK (messages, models, errors, retries on overload, tool turns,
schema-shaped answers, prompt-cache usage)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import anthropic
import httpx
import jwt
import pytest
from hearth_dev.standins.providers import (
    ANTHROPIC_API_KEY,
    GITHUB_APP_ID,
    GITHUB_INSTALLATION_ID,
    GITHUB_WEBHOOK_SECRET,
    StandIns,
)

from tests.receivers import Receiver


@pytest.fixture(scope="module")
def standins() -> Iterator[StandIns]:
    with StandIns() as running:
        yield running


def app_jwt(key: str, app_id: int = GITHUB_APP_ID, exp: int = 540) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + exp, "iss": str(app_id)}, key, algorithm="RS256")


def test_github_app_and_installation_token(standins: StandIns) -> None:
    github = standins.github
    headers = {"Authorization": f"Bearer {app_jwt(standins.github_private_key)}"}
    with httpx.Client(base_url=github.url, headers={"Accept": "application/vnd.github+json"}) as client:
        app = client.get("/app", headers=headers)
        assert app.status_code == 200
        assert app.json()["id"] == GITHUB_APP_ID
        token = client.post(f"/app/installations/{GITHUB_INSTALLATION_ID}/access_tokens", headers=headers)
        assert token.status_code == 201
        assert token.json()["token"].startswith("ghs_")
        assert token.json()["expires_at"].endswith("Z")
        assert client.post("/app/installations/999/access_tokens", headers=headers).status_code == 404
        other_key = StandIns().github_private_key
        forged = client.get("/app", headers={"Authorization": f"Bearer {app_jwt(other_key)}"})
        assert forged.status_code == 401
        assert forged.json()["message"] == "A JSON web token could not be decoded"
        wrong_app = client.get(
            "/app", headers={"Authorization": f"Bearer {app_jwt(standins.github_private_key, 7)}"}
        )
        assert wrong_app.status_code == 401
        too_long = client.get(
            "/app", headers={"Authorization": f"Bearer {app_jwt(standins.github_private_key, exp=3600)}"}
        )
        assert too_long.status_code == 401
        assert client.get("/app").status_code == 401


def test_github_delivery_is_signed(standins: StandIns) -> None:
    with Receiver() as receiver:
        standins.github.send_event("push", {"ref": "refs/heads/main"}, receiver.url + "/webhooks/github")
        (got,) = receiver.wait_for(1)
    expected = "sha256=" + hmac.new(GITHUB_WEBHOOK_SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-hub-signature-256"], expected)
    assert got.headers["x-github-event"] == "push"
    assert len(got.headers["x-github-delivery"]) == 36
    assert json.loads(got.body) == {"ref": "refs/heads/main"}


def claude(standins: StandIns, key: str = ANTHROPIC_API_KEY, retries: int = 0) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=key, base_url=standins.anthropic.url, max_retries=retries)


def test_anthropic_messages_and_models(standins: StandIns) -> None:
    client = claude(standins)
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        messages=[{"role": "user", "content": "Summarise the deal"}],
    )
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.content[0].type == "text"
    assert "Summarise the deal" in message.content[0].text
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0
    assert message.usage.output_tokens > 0
    standins.anthropic.reply_with("one two three four five")
    cut = client.messages.create(
        model="claude-haiku-4-5", max_tokens=3, messages=[{"role": "user", "content": "x"}]
    )
    assert cut.content[0].text == "one two three"
    assert cut.stop_reason == "max_tokens"
    models = client.models.list()
    assert "claude-sonnet-4-5" in [m.id for m in models.data]
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="claude-none", max_tokens=5, messages=[{"role": "user", "content": "x"}])


def test_anthropic_errors_and_overload(standins: StandIns) -> None:
    with pytest.raises(anthropic.AuthenticationError) as denied:
        claude(standins, key="sk-ant-wrong").models.list()
    assert denied.value.body["error"]["type"] == "authentication_error"
    standin = standins.anthropic
    standin.fail(status=529, times=1, paths="/v1/messages")
    with pytest.raises(anthropic.InternalServerError) as overloaded:
        claude(standins).messages.create(
            model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert overloaded.value.status_code == 529
    assert overloaded.value.body["type"] == "error"
    assert overloaded.value.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    standin.fail(status=429, times=1)
    with httpx.Client(base_url=standin.url) as http:
        raw = http.get(
            "/v1/models", headers={"x-api-key": ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01"}
        )
    assert raw.status_code == 429
    assert raw.json()["error"]["type"] == "rate_limit_error"
    assert raw.headers["retry-after"] == "1"
    standin.fail(status=529, times=1, paths="/v1/messages")
    before = len(standin.requests)
    message = claude(standins, retries=2).messages.create(
        model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "again"}]
    )
    assert message.content[0].text
    assert [r.status for r in standin.requests[: len(standin.requests) - before]] == [200, 529]


SEARCH_TOOLS = [
    {
        "name": "search_companies",
        "description": "Companies whose name matches.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
    },
    {
        "name": "search_deals",
        "description": "Deals whose title matches.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
            "required": ["query", "limit"],
        },
    },
]


def test_anthropic_tool_use_turns(standins: StandIns) -> None:
    client = claude(standins)
    question = {"role": "user", "content": 'Which deals mention "Acme Ltd"?'}
    first = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=200, tools=SEARCH_TOOLS, messages=[question]
    )
    assert first.stop_reason == "tool_use"
    (call,) = first.content
    assert call.type == "tool_use"
    assert call.id.startswith("toolu_")
    # the rule: the tool named after a noun of the question, its inputs the quoted phrase
    assert (call.name, call.input) == ("search_deals", {"query": "Acme Ltd", "limit": 1})
    assistant = {"role": "assistant", "content": [c.model_dump(exclude_none=True) for c in first.content]}
    result = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": call.id, "content": '[{"title": "Acme renewal"}]'}
        ],
    }
    standins.anthropic.reply_with("Acme renewal is the one.")
    answer = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=200, tools=SEARCH_TOOLS, messages=[question, assistant, result]
    )
    assert answer.stop_reason == "end_turn"
    assert answer.content[0].text == "Acme renewal is the one."
    # a queued call is answered first, whatever the question
    standins.anthropic.reply_with_tool("search_companies", {"query": "Initech"})
    queued = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=200, tools=SEARCH_TOOLS, messages=[question]
    )
    assert (queued.content[0].name, queued.content[0].input) == ("search_companies", {"query": "Initech"})
    # tool_choice none: never a tool call; a tool the choice names: that tool
    none = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=200,
        tools=SEARCH_TOOLS,
        tool_choice={"type": "none"},
        messages=[question],
    )
    assert none.stop_reason == "end_turn"
    assert none.content[0].type == "text"
    forced = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=200,
        tools=SEARCH_TOOLS,
        tool_choice={"type": "tool", "name": "search_companies"},
        messages=[question],
    )
    assert forced.content[0].name == "search_companies"


def test_anthropic_refuses_tool_turns_that_do_not_pair(standins: StandIns) -> None:
    client = claude(standins)
    question = {"role": "user", "content": "Which deals?"}
    stray = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_none", "content": "[]"}],
    }
    with pytest.raises(anthropic.BadRequestError) as unexpected:
        client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=50,
            tools=SEARCH_TOOLS,
            messages=[question, {"role": "assistant", "content": "ok"}, stray],
        )
    assert "tool_use_id" in unexpected.value.body["error"]["message"]
    asked = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "search_deals", "input": {}}],
    }
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=50,
            tools=SEARCH_TOOLS,
            messages=[question, asked, {"role": "user", "content": "no result"}],
        )
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(
            model="claude-sonnet-4-5", max_tokens=50, tools=[{"name": "x"}], messages=[question]
        )


def test_anthropic_answers_the_schema_the_system_prompt_asks_for(standins: StandIns) -> None:
    schema = {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "maxLength": 60},
            "key_points": {"type": "array", "items": {"type": "string"}},
            "due": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "extra": {"type": "string"},
        },
        "required": ["summary", "key_points", "due"],
    }
    message = claude(standins).messages.create(
        model="claude-sonnet-4-5",
        max_tokens=200,
        system="Answer with one JSON object matching this JSON schema:\n" + json.dumps(schema) + "\nThanks.",
        messages=[{"role": "user", "content": "Ada at <EMAIL_1> wants a call"}],
    )
    answer = json.loads(message.content[0].text)
    assert set(answer) == {"summary", "key_points", "due"}
    assert "<EMAIL_1>" in answer["summary"]
    assert len(answer["summary"]) <= 60
    assert len(answer["key_points"]) == 1
    assert answer["due"] == "2030-01-01"


def test_anthropic_prompt_cache_usage(standins: StandIns) -> None:
    client = claude(standins)
    system = [
        {
            "type": "text",
            "text": "A fixed prompt of seven words, cached.",
            "cache_control": {"type": "ephemeral"},
        }
    ]
    nonce = str(time.time_ns())  # a prefix this stand-in has not seen
    system[0]["text"] += " " + nonce

    def ask() -> anthropic.types.Usage:
        return client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=20,
            system=system,  # type: ignore[arg-type]
            messages=[{"role": "user", "content": "hello there"}],
        ).usage

    first, second = ask(), ask()
    assert first.cache_creation_input_tokens == 8  # seven words and the nonce
    assert first.cache_read_input_tokens == 0
    assert second.cache_creation_input_tokens == 0
    assert second.cache_read_input_tokens == 8
    assert first.input_tokens == second.input_tokens == 2
    plain = client.messages.create(
        model="claude-haiku-4-5", max_tokens=20, system="plain", messages=[{"role": "user", "content": "hi"}]
    ).usage
    assert (plain.cache_creation_input_tokens, plain.cache_read_input_tokens) == (0, 0)
    assert plain.input_tokens == 2


def test_anthropic_tool_rule_reads_the_question_of_a_context_document(standins: StandIns) -> None:
    optional_query = [
        {
            "name": "search_companies",
            "input_schema": {
                "type": "object",
                "properties": {"query": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}},
            },
        }
    ]
    document = {"task": "ask", "today": "2030-01-01", "question": 'Which companies are called "Acme Ltd"?'}
    message = claude(standins).messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        tools=optional_query,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "The context, as JSON:\n" + json.dumps(document)}],
    )
    (call,) = message.content
    assert (call.name, call.input) == ("search_companies", {"query": "Acme Ltd"})
