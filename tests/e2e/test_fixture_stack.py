"""``hearth local --template tests/e2e/fixture_stack/template.yaml``: a small stack whose
functions record what they receive, to check the local stack's semantics independently of
Hearth's own template — the events the HTTP gateway builds, body round trips, every resource
kind in moto and the resolved environment, SQS batches with attributes, batching windows,
partial batch failures and redrive to the DLQ, schedules, and a clean Ctrl-C.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from hearth_dev.local.aws import client

from tests.e2e.conftest import ROOT, RunningStack, start_fixture_stack, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(database: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    tmp = tmp_path_factory.mktemp("fixture-stack")
    with start_fixture_stack(tmp, database["admin"], "--schedules-every", "1") as running:
        yield running


def records(stack: RunningStack, name: str) -> list[dict[str, Any]]:
    path = Path(stack.env["RECORD_DIR"]) / f"{name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def aws(stack: RunningStack, service: str) -> Any:
    return client(service, stack.state["aws_endpoint"])


# -- resources and environment ------------------------------------------------------------------


def test_resources_exist_in_moto_and_functions_see_them(stack: RunningStack) -> None:
    env = stack.client.get("/env").json()
    sqs = aws(stack, "sqs")
    assert env["AWS_ENDPOINT_URL"] == stack.state["aws_endpoint"]
    assert sqs.get_queue_url(QueueName=env["WORK_QUEUE_NAME"])["QueueUrl"] == env["WORK_QUEUE_URL"]
    attributes = sqs.get_queue_attributes(QueueUrl=env["WORK_QUEUE_URL"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["QueueArn"] == env["WORK_QUEUE_ARN"]
    assert attributes["VisibilityTimeout"] == "1"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":hearth-local-WorkDeadLetterQueue")
    assert int(redrive["maxReceiveCount"]) == 2

    aws(stack, "s3").head_bucket(Bucket=env["BUCKET"])
    assert aws(stack, "kms").describe_key(KeyId=env["KEY_ARN"])["KeyMetadata"]["Description"] == "fixture key"
    secret = json.loads(
        aws(stack, "secretsmanager").get_secret_value(SecretId=env["SECRET_ARN"])["SecretString"]
    )
    assert secret["username"] == "fixture"
    assert len(secret["password"]) == 24
    assert env["GREETING_PARAMETER"] == "/hearth-local/greeting"
    assert env["greeting"] == "hello from test"  # read by the function through boto3, from moto
    assert aws(stack, "events").describe_event_bus(Name=env["BUS_NAME"])["Name"] == "fixture-bus"
    assert env["JOINED"] == "test:b"
    assert env["STAGE_LABEL"] == "testing"
    assert env["UNSET_VALUE"] is None  # a parameter with no value is not set at all
    assert "functions disagree on CONSUMER_MODE" in stack.log


# -- the HTTP gateway ---------------------------------------------------------------------------


def _shape(value: Any, skip: frozenset[str] = frozenset()) -> Any:
    """The key structure of an event (values dropped; maps of names to values not descended)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in skip}
    return type(value).__name__


def test_events_have_the_shape_of_the_samples_and_parse_with_powertools(stack: RunningStack) -> None:
    response = stack.client.get(
        "/event/a/b%20c",
        params=[("x", "1"), ("x", "2"), ("empty", "")],
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "a=1; b=2"), ("User-Agent", "e2e")],
    )
    assert response.status_code == 200
    event = response.json()
    sample = json.loads((ROOT / "events/MembersListFunction.json").read_text(encoding="utf-8"))

    sample["requestContext"].pop("authorizer")  # this stack has no authorizer
    optional = frozenset({"cookies", "queryStringParameters", "pathParameters", "body", "headers"})
    assert _shape(event, optional) == _shape(sample, optional)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])

    parsed = APIGatewayProxyEventV2(event)
    assert parsed.version == "2.0"
    assert parsed.route_key == "ANY /event/{proxy+}"
    assert parsed.raw_path == "/event/a/b c"
    assert parsed.path_parameters == {"proxy": "a/b c"}
    assert parsed.raw_query_string == "x=1&x=2&empty="
    assert parsed.query_string_parameters == {"x": "1,2", "empty": ""}
    assert parsed.cookies == ["a=1", "b=2"]
    assert parsed.headers["x-multi"] == "one,two"
    assert "cookie" not in parsed.headers
    assert parsed.headers["x-forwarded-proto"] == "http"
    assert parsed.headers["x-amzn-trace-id"].startswith("Root=1-")
    ctx = parsed.request_context
    assert ctx.http.method == "GET"
    assert ctx.http.source_ip == "127.0.0.1"
    assert ctx.http.user_agent == "e2e"
    assert ctx.stage == "$default"
    assert ctx.request_id
    assert time.strptime(ctx.time, "%d/%b/%Y:%H:%M:%S +0000")
    assert abs(ctx.time_epoch / 1000 - time.time()) < 60

    item = stack.client.get("/items/42").json()
    assert item["routeKey"] == "GET /items/{item_id}"
    assert item["pathParameters"] == {"item_id": "42"}


def test_unknown_routes_answer_like_api_gateway(stack: RunningStack) -> None:
    for method, path in (("GET", "/nowhere"), ("GET", "/echo"), ("DELETE", "/items/1")):
        response = stack.client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"message": "Not Found"}


@pytest.mark.parametrize(
    ("content_type", "body", "base64_encoded"),
    [
        ("application/x-www-form-urlencoded", b"name=Ana+Mar%C3%ADa&tags=a&tags=b&empty=", True),
        ("application/octet-stream", bytes(range(256)) + b"\x00\xff\r\n", True),
        ("image/png", b"\x89PNG\r\n\x1a\n" + os.urandom(512), True),
        ("application/json", '{"name": "Zoë", "n": 1}'.encode(), False),
        ("text/plain; charset=utf-8", "línea 1\r\nline 2\n".encode(), False),
    ],
)
def test_bodies_round_trip_byte_for_byte(
    stack: RunningStack, content_type: str, body: bytes, base64_encoded: bool
) -> None:
    echoed = stack.client.post("/echo", content=body, headers={"content-type": content_type})
    assert echoed.status_code == 200
    assert echoed.content == body
    assert echoed.headers.get_list("set-cookie") == ["echo=1; Path=/", "seen=yes; Path=/"]

    event = stack.client.post("/event/body", content=body, headers={"content-type": content_type}).json()
    assert event["isBase64Encoded"] is base64_encoded
    assert (base64.b64decode(event["body"]) if base64_encoded else event["body"].encode()) == body


def test_keep_alive_answers_are_not_held_for_the_delayed_ack(stack: RunningStack) -> None:
    """Without TCP_NODELAY every answer on a kept-alive connection waited for the client's
    delayed ACK (40 ms or more on Linux): a median under 30 ms cannot happen with that wait."""
    timings = []
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        client.get("/items/1")  # the connection (and the function) warm
        for n in range(25):
            started = time.perf_counter()
            assert client.get(f"/items/{n}").status_code == 200
            timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.030, sorted(round(t * 1000, 1) for t in timings)


# -- queues -------------------------------------------------------------------------------------


def test_consumer_gets_sqs_batches_and_poison_ends_in_the_dlq(stack: RunningStack) -> None:
    env = stack.client.get("/env").json()
    sqs = aws(stack, "sqs")
    queue = env["WORK_QUEUE_URL"]
    dlq = sqs.get_queue_url(QueueName="hearth-local-WorkDeadLetterQueue")["QueueUrl"]
    tag = os.urandom(4).hex()
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps({"n": 1, "tag": tag}),
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "greeting"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"n": 2, "tag": tag}))
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"n": 3, "tag": tag, "poison": True}))

    def delivered() -> list[dict[str, Any]]:
        batches = records(stack, "RecorderFunction")
        return [r for batch in batches for r in batch["records"] if tag in r["body"]]

    def in_dlq() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages")
        return [m for m in got or [] if tag in m["Body"]]

    dead = wait_for(in_dlq, 60, "the poison message to reach the dead-letter queue")
    assert [json.loads(m["Body"])["n"] for m in dead] == [3]

    seen = delivered()
    by_n: dict[int, list[dict[str, Any]]] = {}
    for record in seen:
        by_n.setdefault(json.loads(record["body"])["n"], []).append(record)
    assert len(by_n[1]) == 1  # succeeded once: deleted
    assert len(by_n[2]) == 1
    assert len(by_n[3]) == 2  # failed twice (maxReceiveCount), then redriven
    assert [int(r["attributes"]["ApproximateReceiveCount"]) for r in by_n[3]] == [1, 2]

    first = by_n[1][0]
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == env["WORK_QUEUE_ARN"]
    assert first["awsRegion"] == "us-east-1"
    assert first["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert first["messageAttributes"]["kind"]["dataType"] == "String"
    assert base64.b64decode(first["messageAttributes"]["blob"]["binaryValue"]) == b"\x00\x01"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= set(first["attributes"])
    assert first["md5OfBody"]
    assert (
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )
    stack.wait_for_log("RecorderFunction")
    assert "left for retry" in stack.log


def test_batching_window_gathers_batches_of_at_most_batch_size(stack: RunningStack) -> None:
    sqs = aws(stack, "sqs")
    queue = sqs.get_queue_url(QueueName="hearth-local-BatchQueue")["QueueUrl"]
    tag = os.urandom(4).hex()
    for n in (1, 2):
        sqs.send_message(QueueUrl=queue, MessageBody=f"{tag}-{n}")
    time.sleep(0.5)  # the next four arrive inside the 3 s window opened by the first two
    sqs.send_message_batch(
        QueueUrl=queue, Entries=[{"Id": str(n), "MessageBody": f"{tag}-{n}"} for n in (3, 4, 5, 6)]
    )

    def batches() -> list[list[str]]:
        got = records(stack, "BatchRecorderFunction")
        found = [[r["body"] for r in b["records"] if r["body"].startswith(tag)] for b in got]
        found = [b for b in found if b]
        return found if sum(len(b) for b in found) == 6 else []

    got = wait_for(batches, 30, "six messages delivered")
    assert [len(b) for b in got] == [4, 2]  # BatchSize 4: the window closes when the batch is full
    assert got[0][:2] == [f"{tag}-1", f"{tag}-2"]
    assert sorted(got[0] + got[1]) == sorted(f"{tag}-{n}" for n in range(1, 7))


# -- schedules ----------------------------------------------------------------------------------


def test_schedules_fire_with_their_payloads(stack: RunningStack) -> None:
    def ticks() -> list[dict[str, Any]]:
        got = records(stack, "ticks")
        rules = [t for t in got if t.get("detail-type") == "Scheduled Event"]
        nightly = [t for t in got if t.get("job") == "nightly"]
        return got if len(rules) >= 2 and len(nightly) >= 2 else []

    got = wait_for(ticks, 30, "both schedules to fire twice (--schedules-every 1)")
    rule = next(t for t in got if t.get("detail-type") == "Scheduled Event")
    assert rule["source"] == "aws.events"
    assert rule["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/TickFunctionEveryMinute"]
    nightly = next(t for t in got if t.get("job") == "nightly")
    assert time.strptime(nightly["at"], "%Y-%m-%dT%H:%M:%SZ")
    assert "schedule" in stack.wait_for_log("TickFunction")


# -- the end ------------------------------------------------------------------------------------


def test_every_invocation_is_logged(stack: RunningStack) -> None:
    stack.client.get("/items/7")
    log = stack.wait_for_log("EchoFunction")
    line = next(x for x in log.splitlines() if "EchoFunction" in x and " ms" in x)
    assert " 200 " in line


def test_ctrl_c_stops_everything(stack: RunningStack) -> None:
    host, port = stack.state["aws_endpoint"].removeprefix("http://").split(":")
    http_port = int(stack.url.rsplit(":", 1)[1])
    assert stack.stop() == 0
    assert "stopped" in stack.log.splitlines()[-1]
    assert not (stack.state_dir / "local-stack.json").exists()
    for what, p in (("moto", int(port)), ("the gateway", http_port)):
        with socket.socket() as probe:
            assert probe.connect_ex((host, p)) != 0, f"{what} still listens on {p}"
