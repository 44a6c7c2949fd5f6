"""What a function reads of an API Gateway (HTTP API, payload 2.0) event, the same way for the
route kit (``hearth.http``) and the webhook kit (``hearth.hooks``)::

    request = gateway.read(event)
    request.body      # the bytes as sent (base64-decoded when API Gateway says so)
    request.headers   # names lowercased; a repeated header's values joined with commas
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class GatewayRequest:
    request_id: str
    method: str
    path: str  # rawPath (with the stage prefix API Gateway leaves there for a named stage)
    raw_query: str
    headers: dict[str, str]
    body: bytes
    source_ip: str | None
    user_agent: str | None


def read(event: dict[str, Any]) -> GatewayRequest:
    """The request of a payload 2.0 event. A body that is not UTF-8 is kept as sent."""
    ctx = event.get("requestContext") or {}
    http = ctx.get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8", "surrogatepass")
    return GatewayRequest(
        request_id=str(ctx.get("requestId") or ""),
        method=str(http.get("method") or ""),
        path=str(event.get("rawPath") or http.get("path") or ""),
        raw_query=str(event.get("rawQueryString") or ""),
        headers=headers,
        body=body,
        source_ip=http.get("sourceIp"),
        user_agent=(http.get("userAgent") or headers.get("user-agent") or "").replace("\x00", "") or None,
    )
