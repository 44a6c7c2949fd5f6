"""One webhook POST to a checked destination (urllib3).

The connection goes to the address :mod:`hearth.webhooks.engine.ssrf` checked — the pool's host *is*
that IP — while TLS uses the URL's host name for SNI and certificate checks and the request
carries it as ``Host``. Redirects are never followed; one timeout bounds connecting and each
read; only the first 4 KB of the response body are read::

    result = post(dest, body, headers, timeout=15.0)
    result.status, result.body_head, result.duration_ms, result.error
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, TimeoutError

from hearth.webhooks.engine.ssrf import Destination, IPAddress

BODY_LIMIT = 4096
USER_AGENT = "Hearth-Webhooks/1.0"
_POOLS_MAX = 64
_POOL_SIZE = 10

_pools: OrderedDict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


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


def _pool(dest: Destination, address: IPAddress) -> urllib3.HTTPConnectionPool:
    key = (dest.scheme, str(address), dest.port, dest.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        if dest.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                str(address),
                dest.port,
                maxsize=_POOL_SIZE,
                block=False,
                server_hostname=dest.host,
                assert_hostname=dest.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(str(address), dest.port, maxsize=_POOL_SIZE, block=False)
        _pools[key] = pool
        while len(_pools) > _POOLS_MAX:
            _, old = _pools.popitem(last=False)
            old.close()
        return pool


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
        pool = _pool(dest, address)
        try:
            response = pool.urlopen(
                "POST",
                dest.target,
                body=body,
                headers=request_headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
                preload_content=False,
            )
        except NewConnectionError as exc:
            last_error = f"could not connect to {address}: {_reason(exc)}"
            continue
        except TimeoutError:
            return Result(None, None, _elapsed(started), error=f"timed out after {timeout:g} s")
        except (ProtocolError, HTTPError, OSError) as exc:
            return Result(None, None, _elapsed(started), error=f"request failed: {_reason(exc)}")
        try:
            head = response.read(BODY_LIMIT, decode_content=True)
        except TimeoutError:
            response.close()
            return Result(
                response.status,
                None,
                _elapsed(started),
                error=f"timed out reading the body after {timeout:g} s",
            )
        except (ProtocolError, HTTPError, OSError) as exc:
            head = b""
            last_error = _reason(exc)
        finally:
            # Never read the rest of a large body: keep the connection only if it was all read.
            if response.length_remaining == 0:
                response.release_conn()
            else:
                response.close()
        status = response.status
        error = None
        location = response.headers.get("Location")
        if 300 <= status < 400:
            error = f"redirect not followed ({status} to {location or 'nowhere'})"
        elif not 200 <= status < 300:
            error = f"receiver answered {status}"
        return Result(
            status,
            _clip(_text(head)),
            _elapsed(started),
            error=error,
            retry_after=response.headers.get("Retry-After"),
            location=location,
        )
    return Result(None, None, _elapsed(started), error=last_error)


def _elapsed(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return (text or type(exc).__name__)[:300]


def close_all() -> None:
    """Close every pooled connection (tests)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
