"""One webhook POST to a checked destination (the standard library's ``http.client``).

The connection goes to the address :mod:`hearth.webhooks.engine.ssrf` checked — the connection's
host *is* that IP — while TLS uses the URL's host name for SNI and certificate checks and the
request carries it as ``Host``. Redirects are never followed; one timeout bounds each read (and
connecting, at most 5 s); only the first 4 KB of the response body are read. Connections are kept
alive per (scheme, address, port, host name), at most 10 idle each, and one found closed by the
receiver while idle is not used again::

    result = post(dest, body, headers, timeout=15.0)
    result.status, result.body_head, result.duration_ms, result.error

``http.client`` rather than urllib3 (which is built on it): a sender makes ten of these at once
on threads that share one interpreter lock, so the client's own work per request is what spreads
a batch's requests apart; urllib3's pool, retry and response layers about doubled it, for
features the sender does not use (see ``benchmarks/webhook_throughput.py``).
"""

from __future__ import annotations

import functools
import http.client
import select
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from hearth.webhooks.engine.ssrf import Destination, IPAddress

BODY_LIMIT = 4096
USER_AGENT = "Hearth-Webhooks/1.0"
CONNECT_TIMEOUT = 5.0
_POOLS_MAX = 64
_POOL_SIZE = 10

Key = tuple[str, str, int, str]
_idle: OrderedDict[Key, list[http.client.HTTPConnection]] = OrderedDict()
_idle_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Result:
    """What happened to one POST."""

    status: int | None
    body_head: str | None
    duration_ms: int
    error: str | None = None
    retry_after: str | None = None
    location: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address, verified against (and SNI naming) the URL's host name."""

    def __init__(self, address: str, port: int, server_hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=_tls_context())
        self.server_hostname = server_hostname

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_hostname)  # type: ignore[attr-defined]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # certificates and host names are checked


def _checkout(key: Key) -> http.client.HTTPConnection | None:
    """An idle kept-alive connection for ``key`` that the receiver has not closed, if any."""
    with _idle_lock:
        conns = _idle.get(key)
        if conns:
            _idle.move_to_end(key)
        while conns:
            conn = conns.pop()
            if _usable(conn):
                return conn
            conn.close()
    return None


def _usable(conn: http.client.HTTPConnection) -> bool:
    """An idle connection is usable while nothing is readable on it (a closed one reads EOF)."""
    sock = conn.sock
    if sock is None or (isinstance(sock, ssl.SSLSocket) and sock.pending()):
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _checkin(key: Key, conn: http.client.HTTPConnection) -> None:
    """Keep ``conn`` for the next request to ``key`` (closing what no longer fits)."""
    closing: list[http.client.HTTPConnection] = []
    with _idle_lock:
        conns = _idle.setdefault(key, [])
        _idle.move_to_end(key)
        (conns if len(conns) < _POOL_SIZE else closing).append(conn)
        while len(_idle) > _POOLS_MAX:
            closing.extend(_idle.popitem(last=False)[1])
    for old in closing:
        old.close()


def _connect(dest: Destination, address: IPAddress, timeout: float) -> http.client.HTTPConnection:
    """A new connection to ``address`` (raises ``OSError`` when it cannot be made)."""
    connect_timeout = min(timeout, CONNECT_TIMEOUT)
    conn: http.client.HTTPConnection
    if dest.scheme == "https":
        conn = _PinnedHTTPSConnection(str(address), dest.port, dest.host, connect_timeout)
    else:
        conn = http.client.HTTPConnection(str(address), dest.port, timeout=connect_timeout)
    try:
        conn.connect()
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sock.settimeout(timeout)
    except BaseException:
        conn.close()
        raise
    return conn


def _text(raw: bytes) -> str:
    return raw[:BODY_LIMIT].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _clip(text: str) -> str:
    """At most BODY_LIMIT bytes of UTF-8."""
    encoded = text.encode("utf-8")
    if len(encoded) <= BODY_LIMIT:
        return text
    return encoded[:BODY_LIMIT].decode("utf-8", errors="ignore")


def post(dest: Destination, body: bytes, headers: dict[str, str], *, timeout: float) -> Result:
    """POST ``body`` to ``dest`` (its checked addresses, in order, until one connects)."""
    started = time.monotonic()
    request_headers = {
        **headers,
        "Host": dest.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    last_error = "no address to connect to"
    for address in dest.addresses:
        key = (dest.scheme, str(address), dest.port, dest.host)
        conn = _checkout(key)
        if conn is None:
            try:
                conn = _connect(dest, address, timeout)
            except TimeoutError:
                return Result(None, None, _elapsed(started), error=f"timed out after {timeout:g} s")
            except (OSError, ssl.CertificateError) as exc:
                last_error = f"could not connect to {address}: {_reason(exc)}"
                continue
        else:
            assert conn.sock is not None
            conn.sock.settimeout(timeout)
        return _exchange(conn, key, dest, body, request_headers, timeout, started)
    return Result(None, None, _elapsed(started), error=last_error)


def _exchange(
    conn: http.client.HTTPConnection,
    key: Key,
    dest: Destination,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    started: float,
) -> Result:
    """Send the request on ``conn``, read the answer's head and at most BODY_LIMIT bytes."""
    try:
        conn.request("POST", dest.target, body=body, headers=headers)
        response = conn.getresponse()
    except TimeoutError:
        conn.close()
        return Result(None, None, _elapsed(started), error=f"timed out after {timeout:g} s")
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        return Result(None, None, _elapsed(started), error=f"request failed: {_reason(exc)}")
    try:
        head = response.read(BODY_LIMIT)
    except TimeoutError:
        conn.close()
        return Result(
            response.status, None, _elapsed(started), error=f"timed out reading the body after {timeout:g} s"
        )
    except (http.client.HTTPException, OSError):
        head = b""
        response.close()
    # Never read the rest of a large body: keep the connection only if it was all read.
    if response.isclosed() and not response.will_close:
        _checkin(key, conn)
    else:
        conn.close()
    status = response.status
    error = None
    location = response.getheader("Location")
    if 300 <= status < 400:
        error = f"redirect not followed ({status} to {location or 'nowhere'})"
    elif not 200 <= status < 300:
        error = f"receiver answered {status}"
    return Result(
        status,
        _clip(_text(head)),
        _elapsed(started),
        error=error,
        retry_after=response.getheader("Retry-After"),
        location=location,
    )


def _elapsed(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return (text or type(exc).__name__)[:300]


def close_all() -> None:
    """Close every idle connection (tests)."""
    with _idle_lock:
        for conns in _idle.values():
            for conn in conns:
                conn.close()
        _idle.clear()
