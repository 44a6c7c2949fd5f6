"""The stand-in framework: a small threaded HTTP server on a loopback port that answers one
provider's API the way the provider does, records every request, calls back the way the provider
does, and can be told to fail.

A stand-in is a subclass that registers its handlers and says how its errors look::

    class Example(StandIn):
        name = "example"

        def __init__(self) -> None:
            super().__init__()
            self.route("GET", r"/v1/things/(?P<thing_id>[^/]+)", self.fetch_thing)

        def fetch_thing(self, request: Request, thing_id: str) -> Answer:
            return Answer.json(200, {"id": thing_id})

        def error(self, status: int, message: str) -> Answer:
            return Answer.json(status, {"error": message})

    with Example() as example:               # started on a free port
        example.url                          # http://127.0.0.1:<port>
        example.fail(status=429, times=2)    # the next two requests answer 429 with Retry-After
        example.requests                     # what it got, newest first

The same controls are offered over HTTP, so a page or a command in another process can use them:
``GET /_standin/requests``, ``POST /_standin/faults`` (a JSON object with the arguments of
:meth:`StandIn.fail`) and ``DELETE /_standin/faults``. Those requests are not recorded.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from hearth_dev.standins.records import Answer, Callback, Fault, Recorded, Request, ids, now, redacted, text

__all__ = ["Answer", "Callback", "Fault", "Recorded", "Request", "StandIn"]

#: Requests (and callbacks) a stand-in keeps, newest first; older ones are dropped.
HISTORY = 200
CALLBACK_TIMEOUT_SECONDS = 10.0
CONTROL_PREFIX = "/_standin/"

Handler = Callable[..., Answer]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class StandIn:
    """A provider API stand-in (subclass it: register routes, say how errors look)."""

    #: The provider's name (``twilio``, ``stripe``...).
    name = "standin"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, history: int = HISTORY) -> None:
        self.host = host
        self.port = port
        self._routes: list[_Route] = []
        self._requests: deque[Recorded] = deque(maxlen=history)
        self._callbacks: deque[Callback] = deque(maxlen=history)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._senders: list[threading.Thread] = []
        self._closing = threading.Event()

    # -- what a stand-in defines ----------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Answer ``method`` requests whose whole path matches ``pattern`` with ``handler``,
        called with the :class:`Request` and the pattern's named groups."""
        self._routes.append(_Route(method.upper(), re.compile(pattern), handler))

    def error(self, status: int, message: str) -> Answer:
        """The provider's error answer for ``status`` (a subclass gives the provider's shape)."""
        return Answer.json(status, {"status": status, "message": message})

    def describe(self) -> dict[str, Any]:
        """What a developer needs to point a client here (shown on the page and in the banner)."""
        return {"url": self.url}

    # -- running ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self.name} stand-in is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StandIn:
        handler = type("StandInHandler", (_HttpHandler,), {"standin": self})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self._server = server
        self._closing.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"standin-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        with self._lock:
            senders, self._senders = self._senders, []
        for sender in senders:
            sender.join(1)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- faults -----------------------------------------------------------------------------------

    def fail(
        self,
        status: int | None = 500,
        *,
        times: int = 1,
        delay: float = 0.0,
        paths: str = "/",
        retry_after: int = 1,
        message: str = "",
    ) -> Fault:
        """Answer the next ``times`` requests under ``paths`` with ``status`` (the provider's
        error shape) after ``delay`` seconds; ``status=None`` only delays (a timeout)."""
        fault = Fault(status, times, delay, paths, retry_after, message)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.paths):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _fault_answer(self, fault: Fault) -> Answer | None:
        if fault.status is None:
            return None
        answer = self.error(fault.status, fault.message or _REASONS.get(fault.status, "Injected failure"))
        if fault.status in (429, 503):
            answer.headers.setdefault("Retry-After", str(fault.retry_after))
        return answer

    # -- what it got --------------------------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """What the stand-in got, newest first."""
        with self._lock:
            return list(self._requests)

    @property
    def callbacks(self) -> list[Callback]:
        """The webhooks it sent back, newest first."""
        with self._lock:
            return list(self._callbacks)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._callbacks.clear()

    def snapshot(self) -> dict[str, Any]:
        """Everything recorded, as JSON-ready data (``GET /_standin/requests``)."""
        with self._lock:
            return {
                "provider": self.name,
                **self.describe(),
                "requests": [asdict(r) for r in self._requests],
                "callbacks": [asdict(c) for c in self._callbacks],
                "faults": [asdict(f) for f in self._faults],
            }

    # -- calling back ------------------------------------------------------------------------------

    def callback(self, url: str, body: bytes, headers: Mapping[str, str], *, label: str = "") -> Callback:
        """POST ``body`` to ``url`` with ``headers`` (already signed) and record it with the answer."""
        record = Callback(next(ids), now(), url, redacted(headers), text(body), label=label)
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT_SECONDS) as response:  # noqa: S310
                record.status = response.status
                record.answer = text(response.read())
        except urllib.error.HTTPError as exc:
            record.status = exc.code
            record.answer = text(exc.read())
        except (OSError, ValueError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._callbacks.appendleft(record)
        return record

    def later(self, work: Callable[[], None], delay: float = 0.0) -> None:
        """Run ``work`` on a thread of its own after ``delay`` seconds (unless stopping by then):
        providers call back after they answered."""

        def run() -> None:
            if not self._closing.wait(delay):
                work()

        thread = threading.Thread(target=run, name=f"standin-{self.name}-callback", daemon=True)
        with self._lock:
            self._senders = [t for t in self._senders if t.is_alive()]
            self._senders.append(thread)
        thread.start()

    # -- serving ----------------------------------------------------------------------------------

    def _control(self, request: Request) -> Answer:
        if request.path == "/_standin/requests" and request.method == "GET":
            return Answer.json(200, self.snapshot())
        if request.path == "/_standin/faults" and request.method == "POST":
            try:
                spec = request.json()
                if not isinstance(spec, dict):
                    raise TypeError("a JSON object")
                allowed = {"status", "times", "delay", "paths", "retry_after", "message"}
                unknown = set(spec) - allowed
                if unknown:
                    raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
                fault = self.fail(**spec)
            except (ValueError, TypeError) as exc:
                return Answer.json(400, {"error": str(exc)})
            return Answer.json(201, asdict(fault))
        if request.path == "/_standin/faults" and request.method == "DELETE":
            self.clear_faults()
            return Answer(204)
        return Answer.json(404, {"error": f"no control {request.method} {request.path}"})

    def _dispatch(self, request: Request) -> Answer:
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            return route.handler(request, **match.groupdict())
        if allowed:
            return self.error(405, f"Method {request.method} is not allowed on {request.path}")
        return self.error(
            404, f"The local {self.name} stand-in does not offer {request.method} {request.path}"
        )

    def handle(self, request: Request) -> Answer:
        """Answer ``request``: control requests, else a fault or the route's handler, recorded."""
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        started = time.monotonic()
        record = Recorded(
            next(ids),
            now(),
            request.method,
            request.path,
            request.raw_query,
            redacted(request.headers),
            text(request.body),
        )
        with self._lock:
            self._requests.appendleft(record)
        fault = self._take_fault(request.path)
        answer: Answer | None = None
        if fault is not None:
            record.fault = fault.id
            if fault.delay and self._closing.wait(fault.delay):
                answer = self.error(503, "The stand-in is stopping")
            else:
                answer = self._fault_answer(fault)
        if answer is None:
            try:
                answer = self._dispatch(request)
            except Exception as exc:
                answer = self.error(
                    500, f"The local {self.name} stand-in failed: {type(exc).__name__}: {exc}"
                )
        record.status = answer.status
        record.answer = text(answer.body)
        record.seconds = round(time.monotonic() - started, 3)
        return answer


class _HttpHandler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, parts.path or "/", parts.query, headers, body)
        answer = self.standin.handle(request)
        with contextlib.suppress(OSError):  # the client gave up (a timeout by a delay fault)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the stand-in records requests itself."""


_REASONS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
    529: "Overloaded",
}
