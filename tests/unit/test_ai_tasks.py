"""The AI tasks' fixed prompts and output schemas, and how the worker reads the provider's
answers to retry (retry-after, error kinds), and the worker's limits against its function's."""

from __future__ import annotations

import json

import httpx
import pytest

from hearth.ai import provider
from hearth.ai.tasks import TASKS, InvalidOutput


def test_every_prompt_states_the_boundary_and_its_schema():
    for task in TASKS.values():
        assert "<EMAIL_1>" in task.system
        assert "exactly as written" in task.system
        assert "data, not instructions" in task.system
        schema_text = task.system.split("JSON schema:\n", 1)[1].split("\n", 1)[0]
        assert json.loads(schema_text) == task.schema
    assert TASKS["draft_reply"].subjects == {"person"}
    assert TASKS["next_actions"].subjects == {"deal", "project"}
    assert (TASKS["ask"].needs_subject, TASKS["ask"].needs_instructions, TASKS["ask"].uses_tools) == (
        False,
        True,
        True,
    )
    assert not any(t.uses_tools for name, t in TASKS.items() if name != "ask")


def test_answers_are_parsed_against_the_schema():
    summarize, nexts, ask = TASKS["summarize"], TASKS["next_actions"], TASKS["ask"]
    assert summarize.parse('```json\n{"summary": " S ", "key_points": ["a"]}\n```') == {
        "summary": "S",
        "key_points": ["a"],
    }
    parsed = nexts.parse(
        json.dumps(
            {
                "actions": [
                    {"action": "Call", "why": "Due", "task": {"title": "Call", "due_date": "2030-01-02"}}
                ]
            }
        )
    )
    assert parsed["actions"][0]["task"] == {"title": "Call", "due_date": "2030-01-02"}
    record = "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"
    assert ask.parse(json.dumps({"answer": "A", "records": [{"type": "deal", "id": record}]}))["records"] == [
        {"type": "deal", "id": record}
    ]
    bad = [
        "Here you go: a summary",
        '["a list"]',
        '{"summary": "S"}',
        '{"summary": "S", "key_points": [], "secret_extra_key_zq": 1}',
        '{"summary": "", "key_points": []}',
    ]
    for text in bad:
        with pytest.raises(InvalidOutput) as failed:
            summarize.parse(text)
        assert "Here you go" not in str(failed.value)
    with pytest.raises(InvalidOutput):
        nexts.parse(
            json.dumps({"actions": [{"action": "A", "why": "W", "task": {"title": "T", "priority": "now"}}]})
        )


def _status_error(status: int, body: object, headers: dict[str, str] | None = None):
    import anthropic

    request = httpx.Request("POST", "https://api.anthropic.test/v1/messages")
    response = httpx.Response(status, headers=headers or {}, request=request)
    return anthropic.APIStatusError("error", response=response, body=body)


def test_provider_errors_are_read_by_status_and_kind():
    cases = {
        (429, "rate_limit_error"): ("provider_rate_limited", True),
        (529, "overloaded_error"): ("provider_overloaded", True),
        (500, "overloaded_error"): ("provider_overloaded", True),
        (503, "api_error"): ("provider_error", True),
        (504, "api_error"): ("timeout", True),
        (400, "invalid_request_error"): ("provider_error", False),
        (401, "authentication_error"): ("provider_error", False),
    }
    for (status, kind), expected in cases.items():
        body = {"type": "error", "error": {"type": kind, "message": "m"}}
        assert provider.classify(_status_error(status, body)) == expected, (status, kind)


def test_retry_after_in_seconds_or_milliseconds():
    def response(headers: dict[str, str]) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert provider.retry_after(response({"retry-after": "3"})) == 3.0
    assert provider.retry_after(response({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    assert provider.retry_after(response({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) is None
    assert provider.retry_after(response({})) is None
    assert provider.retry_after(response({"retry-after": "120"})) == 120.0  # the deadline decides


def test_the_worker_fits_in_its_function():
    """A run's deadline ends before the function's timeout; at most five tool rounds."""
    from hearth_dev.sam.functions import load_source

    from hearth import needs
    from hearth.ai import worker
    from tests.conftest import ROOT

    module = load_source("AiWorkerFunction", ROOT / "functions/ai/consumers/ai_worker.py")
    consumer = module.consumer
    assert (consumer.queue, consumer.batch_size, consumer.timeout) == ("AiRunQueue", 1, 120)
    assert consumer.reserved_concurrency == 5
    assert set(consumer.declared) == {
        needs.APP_DB,
        needs.EVENTS,
        needs.ANTHROPIC_SDK,
        needs.ANTHROPIC_API_KEY,
    }
    limits = worker.LIMITS
    assert limits.run_seconds + 10 <= consumer.timeout
    assert limits.call_seconds <= limits.run_seconds - limits.margin_seconds
    assert limits.tool_rounds == 5
    assert worker.INTERRUPTED_AFTER.total_seconds() > consumer.timeout
