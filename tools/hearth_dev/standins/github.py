"""The GitHub REST API as a GitHub App uses it: the app itself (``GET /app``, authenticated with
the app's RS256 JWT), installation access tokens, and with an installation token the
installation's repositories (``GET /installation/repositories``) and their issues (create, get,
update: ``/repos/{owner}/{repo}/issues``); and webhook deliveries signed the way GitHub signs them
(``X-Hub-Signature-256: sha256=<HMAC-SHA256 hex of the body>``).

Tests add installations and repositories (``add_installation``), make tokens short-lived
(``token_lifetime``) and read the issues the app made (``issues[full_name][number]``).

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
from collections.abc import Sequence
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
        #: When each installation was made (GitHub's ``created_at``).
        self.installed_at: dict[int, datetime] = {
            i: datetime(2026, 1, 1, tzinfo=UTC) for i in self.installations
        }
        #: installation id -> its repositories (GitHub's repository objects).
        self.repositories: dict[int, list[dict[str, Any]]] = {i: [] for i in self.installations}
        #: repository full name -> issue number -> the issue.
        self.issues: dict[str, dict[int, dict[str, Any]]] = {}
        #: Installation access tokens handed out: token -> (installation id, expiry).
        self.tokens: dict[str, tuple[int, datetime]] = {}
        self.token_lifetime = timedelta(hours=1)
        self.slug = "hearth-local"
        self.route("GET", r"/app", self.fetch_app)
        self.route("GET", r"/app/installations/(?P<installation_id>\d+)", self.fetch_installation)
        self.route("DELETE", r"/app/installations/(?P<installation_id>\d+)", self.delete_installation)
        self.route(
            "POST", r"/app/installations/(?P<installation_id>\d+)/access_tokens", self.create_access_token
        )
        self.route("GET", r"/installation/repositories", self.list_repositories)
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues"
        self.route("POST", repo, self.create_issue)
        self.route("GET", repo + r"/(?P<number>\d+)", self.fetch_issue)
        self.route("PATCH", repo + r"/(?P<number>\d+)", self.update_issue)

    # -- set-up (tests, hearth local) ---------------------------------------------------------------

    def add_installation(
        self,
        installation_id: int,
        login: str,
        repositories: Sequence[str] = (),
        *,
        at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Install the app on ``login`` now (or ``at``), seeing ``repositories`` (full names);
        returns GitHub's repository objects."""
        self.installations[installation_id] = login
        self.installed_at[installation_id] = at or datetime.now(UTC)
        self.repositories[installation_id] = [self.repository(name) for name in repositories]
        return self.repositories[installation_id]

    def repository(self, full_name: str) -> dict[str, Any]:
        """GitHub's repository object for ``full_name`` (its id derived from the name)."""
        return repository_object(full_name)

    def _installation_of(self, request: Request) -> int | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        held = self.tokens.get(token.strip())
        if held is None or held[1] <= datetime.now(UTC):
            return None
        return held[0]

    def _repository(self, installation_id: int, owner: str, repo: str) -> dict[str, Any] | None:
        full_name = f"{owner}/{repo}"
        return next(
            (r for r in self.repositories.get(installation_id, []) if r["full_name"] == full_name), None
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
            "created_at": _iso(self.installed_at.get(installation_id, datetime(2026, 1, 1, tzinfo=UTC))),
            "updated_at": _iso(self.installed_at.get(installation_id, datetime(2026, 1, 1, tzinfo=UTC))),
            "suspended_at": None,
        }

    def fetch_installation(self, request: Request, installation_id: str) -> Answer:
        refused = self._refused(request)
        if refused:
            return refused
        if int(installation_id) not in self.installations:
            return self.error(404, "Not Found")
        return Answer.json(200, self._installation(int(installation_id)))

    def delete_installation(self, request: Request, installation_id: str) -> Answer:
        """GitHub's ``DELETE /app/installations/{id}`` (app JWT): the app is uninstalled from the
        account; 204, and 404 for an installation it does not know."""
        refused = self._refused(request)
        if refused:
            return refused
        if int(installation_id) not in self.installations:
            return self.error(404, "Not Found")
        del self.installations[int(installation_id)]
        self.repositories.pop(int(installation_id), None)
        return Answer(204)

    def create_access_token(self, request: Request, installation_id: str) -> Answer:
        refused = self._refused(request)
        if refused:
            return refused
        if int(installation_id) not in self.installations:
            return self.error(404, "Not Found")
        installation = self._installation(int(installation_id))
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
        expires = datetime.now(UTC).replace(microsecond=0) + self.token_lifetime
        self.tokens[token] = (int(installation_id), expires)
        return Answer.json(
            201,
            {
                "token": token,
                "expires_at": _iso(expires),
                "permissions": installation["permissions"],
                "repository_selection": installation["repository_selection"],
            },
        )

    # -- with an installation token ------------------------------------------------------------------

    def list_repositories(self, request: Request) -> Answer:
        installation_id = self._installation_of(request)
        if installation_id is None:
            return self.error(401, "Bad credentials")
        repositories = self.repositories.get(installation_id, [])
        return Answer.json(
            200,
            {
                "total_count": len(repositories),
                "repository_selection": "selected",
                "repositories": repositories,
            },
        )

    def _issue_target(self, request: Request, owner: str, repo: str) -> tuple[Answer | None, str]:
        installation_id = self._installation_of(request)
        if installation_id is None:
            return self.error(401, "Bad credentials"), ""
        if self._repository(installation_id, owner, repo) is None:
            return self.error(404, "Not Found"), ""
        return None, f"{owner}/{repo}"

    def create_issue(self, request: Request, owner: str, repo: str) -> Answer:
        refused, full_name = self._issue_target(request, owner, repo)
        if refused:
            return refused
        body = request.json() or {}
        if not isinstance(body.get("title"), str) or not body["title"].strip():
            return Answer.json(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                    "documentation_url": DOCS,
                    "status": "422",
                },
            )
        issues = self.issues.setdefault(full_name, {})
        number = len(issues) + 1
        now = _iso(datetime.now(UTC))
        issues[number] = {
            "id": 9_000_000 + number,
            "number": number,
            "title": body["title"],
            "body": body.get("body"),
            "state": "open",
            "state_reason": None,
            "html_url": f"https://github.com/{full_name}/issues/{number}",
            "user": {"login": f"{self.slug}[bot]", "type": "Bot"},
            "created_at": now,
            "updated_at": now,
        }
        return Answer.json(201, issues[number])

    def fetch_issue(self, request: Request, owner: str, repo: str, number: str) -> Answer:
        refused, full_name = self._issue_target(request, owner, repo)
        if refused:
            return refused
        issue = self.issues.get(full_name, {}).get(int(number))
        return Answer.json(200, issue) if issue else self.error(404, "Not Found")

    def update_issue(self, request: Request, owner: str, repo: str, number: str) -> Answer:
        refused, full_name = self._issue_target(request, owner, repo)
        if refused:
            return refused
        issue = self.issues.get(full_name, {}).get(int(number))
        if issue is None:
            return self.error(404, "Not Found")
        body = request.json() or {}
        for field in ("title", "body", "state", "state_reason"):
            if field in body:
                issue[field] = body[field]
        issue["updated_at"] = _iso(datetime.now(UTC))
        return Answer.json(200, issue)

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


def repository_object(full_name: str) -> dict[str, Any]:
    """GitHub's repository object for ``full_name`` (its id derived from the name: the same
    everywhere, so a simulated delivery names the repository the stand-in knows)."""
    owner, _, name = full_name.partition("/")
    number = int(hashlib.sha256(full_name.encode()).hexdigest()[:8], 16) + 1
    return {
        "id": number,
        "node_id": f"R_local{number}",
        "name": name,
        "full_name": full_name,
        "private": True,
        "owner": {"login": owner, "type": "Organization"},
        "html_url": f"https://github.com/{full_name}",
        "default_branch": "main",
    }
