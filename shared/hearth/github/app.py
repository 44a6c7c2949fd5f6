"""Calling GitHub as the Hearth GitHub App::

    app = GitHubApp.from_settings()
    app.installation(200001)                                   # GET /app/installations/{id} (app JWT)
    app.call("GET", "/installation/repositories", installation=200001)   # installation token

An app JWT (RS256, signed with the app's private key, ``iss`` = the app id, at most ten minutes
long) authenticates the app itself; an installation access token (``POST
/app/installations/{id}/access_tokens``, an hour long) authenticates calls on an installation's
repositories. Tokens are kept per installation and execution environment until five minutes
before they expire. The private key is a platform secret: on AWS a Secrets Manager secret
(``HEARTH_GITHUB_APP_PRIVATE_KEY_SECRET_ARN``, read through Powertools parameters, cached for five
minutes); locally and in the tests the PEM itself (``HEARTH_GITHUB_APP_PRIVATE_KEY``). The API's
base URL is a setting (``HEARTH_GITHUB_API_BASE``: GitHub Enterprise Server, the local stand-in).

Errors: :class:`RateLimited` when GitHub says to wait (429, or 403 with ``Retry-After`` or
``x-ratelimit-remaining: 0``; ``retry_after`` from ``Retry-After`` or ``x-ratelimit-reset``),
:class:`GitHubError` otherwise (``temporary`` for 5xx and network failures). Nothing here logs a
token, a JWT or the key.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hearth import clock
from hearth.platform_secrets import platform_secret
from hearth.settings import ConfigurationError, settings

#: GitHub refuses app JWTs longer than ten minutes; iat is set back a minute for clock drift.
JWT_SECONDS = 540
#: A cached installation token is replaced this long before it expires.
TOKEN_MARGIN_SECONDS = 300
TIMEOUT_SECONDS = 10.0
#: The longest wait a rate limit is honoured with inside a queue's visibility timeout (seconds).
MAX_WAIT = 900
API_VERSION = "2022-11-28"


class GitHubError(Exception):
    """GitHub refused or failed a call (``status`` 0: it could not be reached)."""

    def __init__(self, status: int, message: str, *, temporary: bool | None = None) -> None:
        super().__init__(f"GitHub answered {status}: {message}")
        self.status = status
        self.message = message
        self.temporary = status == 0 or status >= 500 if temporary is None else temporary


class RateLimited(GitHubError):
    """GitHub's primary or secondary rate limit: try again after ``retry_after`` seconds."""

    def __init__(self, status: int, message: str, retry_after: int) -> None:
        super().__init__(status, message, temporary=True)
        self.retry_after = retry_after


def _private_key() -> str:
    return platform_secret("github_app_private_key", "GitHub App private key")


def retry_after(status: int, headers: dict[str, str], now: float) -> int | None:
    """How long GitHub asks to wait, or ``None`` when the answer is no rate limit."""
    limited = status == 429 or (
        status == 403 and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0")
    )
    if not limited:
        return None
    if headers.get("retry-after", "").strip().isdigit():
        return max(1, int(headers["retry-after"]))
    reset = headers.get("x-ratelimit-reset", "").strip()
    if reset.isdigit():
        return max(1, int(reset) - int(now))
    return 60  # GitHub: with neither header, wait at least a minute


@dataclass
class GitHubApp:
    """One GitHub App (see the module docstring)."""

    app_id: str
    api_base: str
    private_key: Any = None  # a callable returning the PEM (read when first needed)
    _tokens: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls) -> GitHubApp:
        cfg = settings()
        if not cfg.github_app_id:
            raise ConfigurationError("missing configuration: HEARTH_GITHUB_APP_ID")
        return cls(cfg.github_app_id, cfg.github_api_base.rstrip("/"), _private_key)

    def jwt(self) -> str:
        """A fresh app JWT."""
        import jwt

        now = int(time.time())
        key = self.private_key() if callable(self.private_key) else self.private_key
        return jwt.encode({"iat": now - 60, "exp": now + JWT_SECONDS, "iss": str(self.app_id)}, key, "RS256")

    def token(self, installation: int) -> str:
        """The installation's access token (cached until shortly before it expires)."""
        with self._lock:
            held = self._tokens.get(installation)
        if held is not None and (held[1] - clock.now()).total_seconds() > TOKEN_MARGIN_SECONDS:
            return held[0]
        answer = self._send(
            "POST", f"/app/installations/{installation}/access_tokens", f"Bearer {self.jwt()}"
        )
        token, expires = str(answer["token"]), datetime.fromisoformat(str(answer["expires_at"]))
        with self._lock:
            self._tokens[installation] = (token, expires)
        return token

    def forget(self, installation: int) -> None:
        with self._lock:
            self._tokens.pop(installation, None)

    def installation(self, installation: int) -> dict[str, Any]:
        """``GET /app/installations/{id}`` (as the app)."""
        answer: dict[str, Any] = self._send(
            "GET", f"/app/installations/{installation}", f"Bearer {self.jwt()}"
        )
        return answer

    def uninstall(self, installation: int) -> bool:
        """``DELETE /app/installations/{id}`` (as the app): the installation is removed from the
        account it was on; ``False`` when GitHub knows no such installation (already gone)."""
        try:
            self._send("DELETE", f"/app/installations/{installation}", f"Bearer {self.jwt()}")
        except GitHubError as exc:
            if exc.status != 404:
                raise
            return False
        finally:
            self.forget(installation)
        return True

    def call(self, method: str, path: str, *, installation: int, body: dict[str, Any] | None = None) -> Any:
        """A REST call on the installation's behalf; a token GitHub no longer takes (401) is
        replaced once."""
        try:
            return self._send(method, path, f"token {self.token(installation)}", body)
        except GitHubError as exc:
            if exc.status != 401:
                raise
            self.forget(installation)
            return self._send(method, path, f"token {self.token(installation)}", body)

    def _send(self, method: str, path: str, authorization: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (the configured GitHub API, https or the loopback stand-in)
            self.api_base + path,
            data=data,
            method=method,
            headers={
                "Authorization": authorization,
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "hearth",
                **({"Content-Type": "application/json"} if data is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                raw = response.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            headers = {k.lower(): v for k, v in exc.headers.items()}
            raw = exc.read()
            try:
                message = str(json.loads(raw).get("message", ""))[:200]
            except (ValueError, AttributeError):
                message = ""
            wait = retry_after(exc.code, headers, time.time())
            if wait is not None:
                raise RateLimited(exc.code, message or "rate limited", wait) from None
            raise GitHubError(exc.code, message or exc.reason) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GitHubError(0, type(exc).__name__) from None


#: The execution environment's app, once made (its token cache lives as long as the environment).
_APP: dict[str, GitHubApp] = {}


def app() -> GitHubApp:
    """The execution environment's app."""
    if "app" not in _APP:
        _APP["app"] = GitHubApp.from_settings()
    return _APP["app"]


def forget(installation: int) -> None:
    """Drop a cached token of the installation (nothing is read or configured for it)."""
    if "app" in _APP:
        _APP["app"].forget(installation)


def reset() -> None:
    """Forget the app and its tokens (tests that change the settings)."""
    _APP.clear()
