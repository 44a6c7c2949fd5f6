"""Installing the Hearth GitHub App for an org::

    install_url(ctx)        # the app's install URL with a signed state naming the org
    link(ctx, body)         # the setup callback: installation_id + state -> linked
    repositories(ctx)       # what the installation can see (refreshed from GitHub)
    unlink(ctx)             # DELETE: the org forgets its installation

The state is a JWT signed with the app's own private key (RS256: no other secret to keep), for
this org, 30 minutes long. An installation is linked only when GitHub knows it and it was made
after the state was issued (so an admin cannot claim an older installation of someone else by its
id), and only to one org (409 ``installation_taken``).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hearth.github import store
from hearth.github.app import GitHubError, app, forget
from hearth.github.models import InstallationLink, InstallUrl, Repository, RepositoryList
from hearth.http import RequestContext
from hearth.problems import Conflict, NotFound, Problem, invalid
from hearth.settings import settings

STATE_SECONDS = 1800
STATE_AUDIENCE = "hearth:github-install"
#: Clock drift allowed between GitHub's created_at of an installation and the state's issue time.
DRIFT_SECONDS = 120


def unavailable(exc: GitHubError) -> Problem:
    return Problem("github_unavailable", f"GitHub could not be reached or failed ({exc.status}).", status=502)


def _keys() -> tuple[Any, Any]:
    from cryptography.hazmat.primitives import serialization

    github = app()
    pem = github.private_key() if callable(github.private_key) else github.private_key
    private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    return private, private.public_key()


def install_url(ctx: RequestContext) -> InstallUrl:
    import jwt

    now = int(time.time())
    claims = {
        "aud": STATE_AUDIENCE,
        "org": str(ctx.org_id),
        "sub": ":".join(ctx.actor),
        "iat": now,
        "exp": now + STATE_SECONDS,
        "nonce": secrets.token_urlsafe(12),
    }
    state = jwt.encode(claims, _keys()[0], "RS256")
    cfg = settings()
    url = f"{cfg.github_web_base.rstrip('/')}/apps/{cfg.github_app_slug}/installations/new?" + urlencode(
        {"state": state}
    )
    ctx.audit("github.install_url", "github_installation", None)
    return InstallUrl(url=url, state=state, expires_at=datetime.fromtimestamp(now + STATE_SECONDS, UTC))


def _state(ctx: RequestContext, state: str) -> dict[str, Any]:
    import jwt

    try:
        claims: dict[str, Any] = jwt.decode(
            state,
            _keys()[1],
            algorithms=["RS256"],
            audience=STATE_AUDIENCE,
            options={"require": ["exp", "iat"]},
        )
    except jwt.PyJWTError:
        raise invalid(
            "state", "The state is not one Hearth issued, or it expired.", "state_invalid"
        ) from None
    if claims.get("org") != str(ctx.org_id):
        raise invalid("state", "The state was issued for another org.", "state_invalid")
    return claims


def link(ctx: RequestContext, body: InstallationLink) -> Any:
    claims = _state(ctx, body.state)
    try:
        found = app().installation(body.installation_id)
    except GitHubError as exc:
        if exc.status == 404:
            raise invalid(
                "installation_id", "GitHub knows no such installation of the app.", "installation_not_found"
            ) from None
        raise unavailable(exc) from None
    created = datetime.fromisoformat(str(found.get("created_at")))
    if created < datetime.fromtimestamp(int(claims["iat"]), UTC) - timedelta(seconds=DRIFT_SECONDS):
        raise invalid(
            "installation_id",
            "The installation was made before this install was started: start again from the install URL.",
            "installation_predates_state",
        )
    account = found.get("account") or {}
    row = store.link_installation(
        ctx.db,
        ctx.org_id,
        {
            "installation_id": body.installation_id,
            "account_login": str(account.get("login") or "unknown")[:100],
            "account_type": account.get("type"),
            "repository_selection": found.get("repository_selection"),
            "linked_by": ":".join(ctx.actor)[:200],
        },
    )
    if row is None:
        raise Conflict("installation_taken", "This GitHub installation is linked to another org.")
    _refresh(ctx, body.installation_id)
    ctx.audit(
        "github.installation.link",
        "github_installation",
        body.installation_id,
        changes={"account": row["account_login"]},
    )
    ctx.emit(
        "github.installation.linked",
        "github_installation",
        ctx.org_id,
        data={"installation_id": body.installation_id, "account": row["account_login"]},
    )
    return _installation(row)


def _installation(row: dict[str, Any]) -> Any:
    from hearth.github.models import Installation

    return Installation.model_validate(row)


def _refresh(ctx: RequestContext, installation_id: int) -> None:
    try:
        answer = app().call("GET", "/installation/repositories?per_page=100", installation=installation_id)
    except GitHubError as exc:
        raise unavailable(exc) from None
    store.save_repositories(ctx.db, ctx.org_id, answer.get("repositories") or [], replace=True)


def get(ctx: RequestContext) -> Any:
    row = store.installation(ctx.db)
    if row is None:
        raise NotFound("github installation", code="github_not_installed")
    return _installation(row)


def repositories(ctx: RequestContext) -> RepositoryList:
    row = store.installation(ctx.db)
    if row is None:
        raise NotFound("github installation", code="github_not_installed")
    _refresh(ctx, int(row["installation_id"]))
    return RepositoryList(data=[Repository.model_validate(r) for r in store.repositories(ctx.db)])


def unlink(ctx: RequestContext) -> None:
    row = store.unlink_installation(ctx.db)
    if row is None:
        raise NotFound("github installation", code="github_not_installed")
    forget(int(row["installation_id"]))
    ctx.audit("github.installation.unlink", "github_installation", row["installation_id"])
    ctx.emit(
        "github.installation.unlinked",
        "github_installation",
        ctx.org_id,
        data={"installation_id": row["installation_id"], "by": "hearth"},
    )
