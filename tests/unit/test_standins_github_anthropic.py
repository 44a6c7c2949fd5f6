"""The GitHub stand-in (app JWT auth, installation tokens, signed deliveries) and the Anthropic
stand-in through the anthropic SDK (messages, models, errors, retries on overload)."""

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
