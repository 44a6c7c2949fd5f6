"""Lambda events as AWS sends them: API Gateway HTTP API (payload 2.0) requests and Lambda
authorizer requests. Used by the in-process gateway and to write the samples in ``events/``::

    event = http_event("GET", "/v1/members", route_key="GET /v1/members", headers={...})
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


def epoch_ms() -> int:
    return int(time.time() * 1000)
