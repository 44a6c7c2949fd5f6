"""Lambda events as AWS sends them: API Gateway HTTP API (payload 2.0) requests, Lambda
authorizer requests, SQS batches and scheduled events. Used by the in-process gateway, the local
stack's queue pollers and scheduler, and to write the samples in ``events/``::

    event = http_event("GET", "/v1/members", route_key="GET /v1/members", headers={...})
    batch = sqs_event([sqs_record(message, queue_arn)])   # message: an SQS ReceiveMessage entry
    tick = scheduled_event("arn:aws:events:us-east-1:123456789012:rule/purge")
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_ID = "123456789012"
API_ID = "hearthlocal"
REGION = "us-east-1"

_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/graphql")


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this type as text (else it base64-encodes it)."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    return (
        ctype.startswith("text/") or ctype in _TEXT_TYPES or ctype.endswith("+json") or ctype.endswith("+xml")
    )


def join_headers(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lowercase names, repeated headers joined with commas, cookies taken out (API Gateway v2)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def query_parameters(raw_query: str) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params or None


def request_context(
    method: str,
    path: str,
    route_key: str,
    *,
    source_ip: str,
    user_agent: str,
    stage: str,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id or base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
        "routeKey": route_key,
        "stage": stage,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }


def http_event(
    method: str,
    path: str,
    *,
    route_key: str,
    raw_query: str = "",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | None = None,
    path_parameters: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    stage: str = "$default",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
    joined, cookies = join_headers(pairs)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": joined,
    }
    if cookies:
        event["cookies"] = cookies
    params = query_parameters(raw_query)
    if params:
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = path_parameters
    ctx = request_context(
        method,
        path,
        route_key,
        source_ip=source_ip,
        user_agent=joined.get("user-agent", ""),
        stage=stage,
        request_id=request_id,
        now=now,
    )
    if authorizer is not None:
        ctx["authorizer"] = {"lambda": authorizer}
    event["requestContext"] = ctx
    if body:
        if is_text(joined.get("content-type")):
            try:
                event["body"], event["isBase64Encoded"] = body.decode("utf-8"), False
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["isBase64Encoded"] = False
    return event


def authorizer_event(request: dict[str, Any], identity_source: list[str]) -> dict[str, Any]:
    """The Lambda authorizer (payload 2.0, REQUEST) event for an HTTP API request event."""
    ctx = request["requestContext"]
    method, route_key = ctx["http"]["method"], ctx["routeKey"]
    route_path = route_key.split(" ", 1)[1] if " " in route_key else route_key
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{ctx['stage']}/{method}{route_path}",
        "identitySource": identity_source,
        "routeKey": route_key,
        "rawPath": request["rawPath"],
        "rawQueryString": request["rawQueryString"],
        "headers": request["headers"],
        "requestContext": {k: v for k, v in ctx.items() if k != "authorizer"},
    }
    for optional in ("cookies", "queryStringParameters", "pathParameters"):
        if optional in request:
            event[optional] = request[optional]
    return event


def _sqs_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute as ReceiveMessage returns it -> as the Lambda SQS event carries it."""
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary,
        "stringListValues": list(value.get("StringListValues") or []),
        "binaryListValues": [
            base64.b64encode(v).decode() if isinstance(v, bytes) else v
            for v in value.get("BinaryListValues") or []
        ],
        "dataType": value.get("DataType", "String"),
    }


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a message as boto3's ``receive_message`` returns it
    (asked for ``AttributeNames=["All"]`` and ``MessageAttributeNames=["All"]``)."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {str(k): str(v) for k, v in (message.get("Attributes") or {}).items()},
        "messageAttributes": {
            str(k): _sqs_attribute(v) for k, v in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else REGION,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The event a Lambda SQS event source mapping delivers: ``{"Records": [...]}``."""
    return {"Records": records}


def rule_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{name}"


def schedule_arn(name: str, group: str = "default") -> str:
    return f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/{group}/{name}"


def scheduled_event(rule: str, *, now: datetime | None = None, event_id: str | None = None) -> dict[str, Any]:
    """The event an EventBridge schedule rule (SAM ``Schedule``) sends when it has no ``Input``."""
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule],
        "detail": {},
    }


def scheduler_input(
    text: str, *, schedule: str, scheduled_time: datetime, execution_id: str, attempt: int = 1
) -> str:
    """An EventBridge Scheduler (SAM ``ScheduleV2``) ``Input`` with its context attributes filled."""
    return (
        text.replace("<aws.scheduler.schedule-arn>", schedule)
        .replace("<aws.scheduler.scheduled-time>", scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .replace("<aws.scheduler.execution-id>", execution_id)
        .replace("<aws.scheduler.attempt-number>", str(attempt))
    )


def epoch_ms() -> int:
    return int(time.time() * 1000)
