"""The issue sync through its queues, as deployed: a task's change → its outbox event → the event
dispatch consumer → GitHubSyncQueue → the GitHub sync consumer's Lambda handler → GitHub; a rate
limit sends the message again, delayed by what GitHub named, and the record succeeds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hearth_dev.sam import events as sam_events
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from moto import mock_aws

from hearth import queues
from hearth.github import app as github_app
from hearth.settings import settings
from tests.conftest import GITHUB, ROOT
from tests.integration.github.scenario import install, task

TEMPLATE = load_template(ROOT)


@pytest.fixture
def sqs(monkeypatch, admin_db) -> Iterator[Any]:
    admin_db.execute("UPDATE domain_events SET published_at = now() WHERE published_at IS NULL")
    with mock_aws():
        queues.reset_client()
        client = boto3.client("sqs")
        urls = {
            n: client.create_queue(QueueName=f"hearth-github-test-{n}")["QueueUrl"]
            for n in ("dispatch", "sync")
        }
        monkeypatch.setenv("HEARTH_EVENT_DISPATCH_QUEUE_URL", urls["dispatch"])
        monkeypatch.setenv("HEARTH_GITHUB_SYNC_QUEUE_URL", urls["sync"])
        settings.cache_clear()
        github_app.reset()
        client.urls = urls  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            queues.reset_client()
            settings.cache_clear()
            github_app.reset()


def _receive(sqs: Any, name: str) -> list[dict[str, Any]]:
    answer = sqs.receive_message(QueueUrl=sqs.urls[name], MaxNumberOfMessages=10, VisibilityTimeout=30)
    return list(answer.get("Messages", []))


def _invoke(function: str, name: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    arn = f"arn:aws:sqs:us-east-1:123456789012:hearth-github-test-{name}"
    event = sam_events.sqs_event([sam_events.sqs_record(m, arn) for m in messages])
    return dict(invoke(TEMPLATE.functions[function], event))


def test_a_task_change_reaches_github_through_the_queues(client, tenant, sqs):
    installation = install(client, tenant)
    repo = installation["repositories"][0]["full_name"]
    made = task(client, tenant, "Queued")
    created = client.post(
        f"/v1/tasks/{made['id']}/github-issue", auth=tenant.key_auth, json_body={"repository": repo}
    )
    number = int(created.json()["ref"])
    _invoke("EventDispatchFunction", "dispatch", _receive(sqs, "dispatch"))  # the link's event: no work
    assert _receive(sqs, "sync") == []
    client.request(
        "PATCH", f"/v1/tasks/{made['id']}", auth=tenant.key_auth, json_body={"title": "Queued, renamed"}
    )
    assert _invoke("EventDispatchFunction", "dispatch", _receive(sqs, "dispatch"))["batchItemFailures"] == []
    [message] = _receive(sqs, "sync")
    assert json.loads(message["Body"]) == {"org_id": tenant.org_id, "task_id": made["id"]}

    # GitHub's secondary rate limit: sent again, delayed as GitHub said; the record itself succeeds.
    GITHUB.fail(status=429, times=1, retry_after=4, paths="/repos/")
    assert _invoke("GithubSyncFunction", "sync", [message])["batchItemFailures"] == []
    assert GITHUB.issues[repo][number]["title"] == "Queued"
    attributes = sqs.get_queue_attributes(QueueUrl=sqs.urls["sync"], AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    again = None
    for _ in range(60):
        again = _receive(sqs, "sync")
        if again:
            break
        time.sleep(0.2)
    assert again, "the re-sent message never became visible"
    assert json.loads(again[0]["Body"])["rate_limited"] == 1
    assert _invoke("GithubSyncFunction", "sync", again)["batchItemFailures"] == []
    assert GITHUB.issues[repo][number]["title"] == "Queued, renamed"

    # GitHub failing (5xx) fails the record: SQS delivers it again, then the DLQ.
    client.request("PATCH", f"/v1/tasks/{made['id']}", auth=tenant.key_auth, json_body={"status": "done"})
    _invoke("EventDispatchFunction", "dispatch", _receive(sqs, "dispatch"))
    [closing] = _receive(sqs, "sync")
    GITHUB.fail(status=502, times=1, paths="/repos/")
    failed = _invoke("GithubSyncFunction", "sync", [closing])
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == [closing["MessageId"]]
    assert _invoke("GithubSyncFunction", "sync", [closing])["batchItemFailures"] == []
    assert GITHUB.issues[repo][number]["state"] == "closed"
