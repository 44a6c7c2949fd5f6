"""API Gateway (HTTP API) in process: route matching, the Lambda authorizer with its result
cache, payload 2.0 events and response mapping — for the tests and the local stack::

    gw = Gateway(load_template())
    response = gw.handle("GET", "/v1/members", headers=[("authorization", "Bearer hk_…")])
    response.status, response.headers, response.body
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hearth_dev.sam import events
from hearth_dev.sam.functions import LambdaContext, invoke
from hearth_dev.sam.template import FunctionSpec, Template


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    function: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class _CompiledRoute:
    method: str
    path: str
    pattern: re.Pattern[str]
    params: tuple[str, ...]
    greedy: bool
    function: FunctionSpec
    authorized: bool = True

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


def _compile(method: str, path: str, fn: FunctionSpec, authorized: bool = True) -> _CompiledRoute:
    regex, params, greedy = "", [], False
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name.endswith("+"):
                name, greedy = name[:-1], True
                regex += f"(?P<{name}>.+)"
            else:
                regex += f"(?P<{name}>[^/]+)"
            params.append(name)
        else:
            regex += re.escape(part)
    return _CompiledRoute(method, path, re.compile(f"^{regex}$"), tuple(params), greedy, fn, authorized)


def _message(status: int, message: str) -> GatewayResponse:
    return GatewayResponse(
        status, [("content-type", "application/json")], json.dumps({"message": message}).encode()
    )


@dataclass
class Gateway:
    template: Template
    stage: str = "$default"
    authorizer_cache: bool = True
    on_invoke: Callable[[str, int, float], None] | None = None
    _routes: list[_CompiledRoute] = field(init=False)
    _cache: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        compiled = [
            _compile(route.method, route.path, fn, route.authorized)
            for fn in self.template.functions.values()
            for route in fn.routes
        ]
        # API Gateway prefers the most specific route: literal paths, then parameters, then greedy.
        compiled.sort(key=lambda r: (r.greedy, len(r.params), -len(r.path)))
        self._routes = compiled

    def match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for route in self._routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def clear_authorizer_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _authorize(self, request: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        auth = self.template.authorizer
        if auth is None:
            return True, None
        fn, ttl = auth
        identity = request["headers"].get("authorization")
        if not identity:
            return False, None  # API Gateway answers 401 without calling the authorizer
        key = (identity,)
        now = time.monotonic()
        if self.authorizer_cache and ttl > 0:
            with self._lock:
                hit = self._cache.get(key)
            if hit and hit[0] > now:
                return True, hit[1]
        started = time.perf_counter()
        result = invoke(fn, events.authorizer_event(request, [identity]), LambdaContext(fn))
        allowed = bool(isinstance(result, dict) and result.get("isAuthorized"))
        if self.on_invoke:
            self.on_invoke(fn.logical_id, 200 if allowed else 403, time.perf_counter() - started)
        context = (result.get("context") or {}) if allowed else {}
        if allowed and self.authorizer_cache and ttl > 0:
            with self._lock:
                self._cache[key] = (now + ttl, context)
        return allowed, context if allowed else {"denied": True}

    def handle(
        self,
        method: str,
        path: str,
        *,
        raw_query: str = "",
        headers: Iterable[tuple[str, str]] | dict[str, str] = (),
        body: bytes | None = None,
        source_ip: str = "127.0.0.1",
    ) -> GatewayResponse:
        method = method.upper()
        found = self.match(method, path)
        if found is None:
            return _message(404, "Not Found")
        route, params = found
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        event = events.http_event(
            method,
            path,
            route_key=route.route_key,
            raw_query=raw_query,
            headers=pairs,
            body=body,
            path_parameters=params or None,
            source_ip=source_ip,
            stage=self.stage,
        )
        allowed, context = self._authorize(event) if route.authorized else (True, None)
        if not allowed:
            return _message(403, "Forbidden") if context else _message(401, "Unauthorized")
        if context is not None:
            event["requestContext"]["authorizer"] = {"lambda": context}
        started = time.perf_counter()
        try:
            result = invoke(route.function, event, LambdaContext(route.function))
        except Exception:
            if self.on_invoke:
                self.on_invoke(route.function.logical_id, 500, time.perf_counter() - started)
            return _message(500, "Internal Server Error")
        response = to_http(result)
        response.function = route.function.logical_id
        if self.on_invoke:
            self.on_invoke(route.function.logical_id, response.status, time.perf_counter() - started)
        return response


def to_http(result: Any) -> GatewayResponse:
    """Map a payload 2.0 Lambda result to an HTTP response, as API Gateway does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return GatewayResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return GatewayResponse(int(result["statusCode"]), headers, body)
