"""The GitHub REST API as a GitHub App uses it: the app itself (``GET /app``, authenticated with
the app's RS256 JWT) and installation access tokens; and webhook deliveries signed the way GitHub
signs them (``X-Hub-Signature-256: sha256=<HMAC-SHA256 hex of the body>``).

Point a client at it (``HEARTH_GITHUB_API_BASE``)::

    jwt = pyjwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(app_id)}, private_key, "RS256")
    httpx.post(f"{standin.url}/app/installations/{installation_id}/access_tokens",
               headers={"Authorization": f"Bearer {jwt}", "Accept": "application/vnd.github+json"})
    standin.send_event("push", payload, "http://localhost:3000/webhooks/github")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hearth_dev.standins.server import Answer, Callback, Request, StandIn

DOCS = "https://docs.github.com/rest"
#: GitHub refuses app JWTs that expire more than ten minutes from now.
MAX_JWT_SECONDS = 600


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def signature_256(body: bytes, secret: str) -> str:
    """``X-Hub-Signature-256`` of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class GitHubStandIn(StandIn):
    name = "github"

    def __init__(
        self,
        app_id: int,
        public_key_pem: str,
        webhook_secret: str,
        installations: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``installations``: installation id -> the account login it is installed on."""
        super().__init__(**kwargs)
        self.app_id = app_id
        self.public_key_pem = public_key_pem
        self.webhook_secret = webhook_secret
        self.installations = dict(installations or {})
        self.route("GET", r"/app", self.fetch_app)
        self.route("GET", r"/app/installations/(?P<installation_id>\d+)", self.fetch_installation)
        self.route(
            "POST", r"/app/installations/(?P<installation_id>\d+)/access_tokens", self.create_access_token
        )

    def error(self, status: int, message: str) -> Answer:
        return Answer.json(
            status,
            {"message": message, "documentation_url": DOCS, "status": str(status)},
            {"X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper()},
        )

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "app_id": self.app_id, "installations": sorted(self.installations)}

    def _refused(self, request: Request) -> Answer | None:
        """401 unless the request carries a JWT of this app, signed with its key, not expired."""
        import jwt

        token = request.bearer()
        if not token:
            return self.error(401, "Requires authentication")
        try:
            claims = jwt.decode(
                token, self.public_key_pem, algorithms=["RS256"], options={"require": ["iat", "exp", "iss"]}
            )
        except jwt.ExpiredSignatureError:
            return self.error(401, "'Expiration time' claim ('exp') is in the past")
        except jwt.PyJWTError:
            return self.error(401, "A JSON web token could not be decoded")
        if str(claims["iss"]) != str(self.app_id):
            return self.error(401, "'Issuer' claim ('iss') must be an Integer")
        if int(claims["exp"]) - int(time.time()) > MAX_JWT_SECONDS:
            return self.error(401, "'Expiration time' claim ('exp') is too far in the future")
        return None

    def fetch_app(self, request: Request) -> Answer:
        refused = self._refused(request)
        if refused:
            return refused
        return Answer.json(
            200,
            {
                "id": self.app_id,
                "slug": "hearth-local",
                "node_id": f"A_local{self.app_id}",
                "client_id": f"Iv1.local{self.app_id}",
                "owner": {"login": "hearth-local", "id": 1, "type": "Organization"},
                "name": "Hearth (local)",
                "description": "The local GitHub App stand-in",
                "external_url": "http://localhost",
                "html_url": "https://github.com/apps/hearth-local",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "permissions": {"contents": "read", "issues": "write", "metadata": "read"},
                "events": ["installation", "issues", "push"],
                "installations_count": len(self.installations),
            },
        )

    def _installation(self, installation_id: int) -> dict[str, Any]:
        return {
            "id": installation_id,
            "account": {"login": self.installations[installation_id], "type": "Organization"},
            "app_id": self.app_id,
            "target_type": "Organization",
            "repository_selection": "all",
            "permissions": {"contents": "read", "issues": "write", "metadata": "read"},
            "events": ["installation", "issues", "push"],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "suspended_at": None,
        }

    def fetch_installation(self, request: Request, installation_id: str) -> Answer:
        refused = self._refused(request)
        if refused:
            return refused
        if int(installation_id) not in self.installations:
            return self.error(404, "Not Found")
        return Answer.json(200, self._installation(int(installation_id)))

    def create_access_token(self, request: Request, installation_id: str) -> Answer:
        refused = self._refused(request)
        if refused:
            return refused
        if int(installation_id) not in self.installations:
            return self.error(404, "Not Found")
        installation = self._installation(int(installation_id))
        return Answer.json(
            201,
            {
                "token": "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36],
                "expires_at": _iso(datetime.now(UTC) + timedelta(hours=1)),
                "permissions": installation["permissions"],
                "repository_selection": installation["repository_selection"],
            },
        )

    def send_event(
        self, event: str, payload: dict[str, Any], url: str, *, installation_id: int | None = None
    ) -> Callback:
        """Deliver ``payload`` as a ``event`` webhook to ``url``, signed with the webhook secret."""
        body = json.dumps(payload).encode("utf-8")
        headers = delivery_headers(event, body, self.webhook_secret)
        if installation_id is not None:
            headers["X-GitHub-Hook-Installation-Target-Type"] = "integration"
            headers["X-GitHub-Hook-Installation-Target-ID"] = str(self.app_id)
        return self.callback(url, body, headers, label=f"{event} {headers['X-GitHub-Delivery']}")


def delivery_headers(event: str, body: bytes, secret: str) -> dict[str, str]:
    """The headers of a GitHub webhook delivery of ``body``."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/local",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-Hub-Signature-256": signature_256(body, secret),
    }
